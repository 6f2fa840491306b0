/**
 * The shared driver suite against a real blob service (azurite), twice: with a fresh
 * rootdirectory per test in one container (distribution v3's names), and with registry:2.8's
 * names in a fresh container per test, listing 2 results a page and appending 1 MiB blocks so
 * paging and block boundaries are crossed everywhere. After each test, nothing may be left
 * behind that the driver does not show, and deleting what it shows must empty the storage.
 */
import { openDriver } from "../index.js";
import { runDriverSuite } from "../suite.js";
import { BlobNames } from "./names.js";
import { azureDriver, expectNothingLeftBehind, parametersFor, rawContainer, uniqueName, useAzurite } from "./azurite-fixture.js";

const azurite = useAzurite();

runDriverSuite("azure (rootdirectory per test)", async () => {
  const server = await azurite();
  const rootdirectory = `/${uniqueName("suite")}/`;
  const driver = await openDriver("azure", parametersFor(server, { container: "suite", rootdirectory }));
  const names = new BlobNames(rootdirectory);
  return {
    driver,
    cleanup: () => expectNothingLeftBehind(driver, rawContainer(server, "suite"), names.prefix("/"), (path) => names.blob(path)),
  };
});

runDriverSuite("azure (registry:2.8 names, small pages and blocks)", async () => {
  const server = await azurite();
  const container = uniqueName("legacy");
  const driver = azureDriver(parametersFor(server, { container }), { listPageSize: 2, blockSize: 1024 * 1024 });
  const names = new BlobNames(undefined);
  return {
    driver,
    cleanup: async () => {
      const raw = rawContainer(server, container);
      await expectNothingLeftBehind(driver, raw, "", (path) => names.blob(path));
      await raw.delete();
    },
  };
});
