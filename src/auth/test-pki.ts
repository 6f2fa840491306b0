/**
 * Throw-away certificate authorities for tests, made with the openssl CLI (Debian's openssl):
 * roots, intermediates, and certificates for servers, clients or token signing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const OPENSSL = "/usr/bin/openssl";

export interface Issued {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  if (!existsSync(OPENSSL)) throw new Error(`${OPENSSL} not found: install it with 'apt-get install -y openssl' (scripts/install-test-deps.sh does)`);
  execFileSync(OPENSSL, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function newKey(kind: "ec" | "rsa"): string[] {
  return kind === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "rsa:2048"];
}

export class TestCa implements Issued {
  private constructor(
    readonly dir: string,
    readonly cert: string,
    readonly key: string,
  ) {}

  /** A self-signed root CA in `dir`, files `<name>.crt` and `<name>.key`. */
  static root(dir: string, name: string, subject = `/CN=${name}`): TestCa {
    openssl(
      ["req", "-x509", ...newKey("ec"), "-nodes", "-keyout", `${name}.key`, "-subj", subject, "-days", "2", "-sha256",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", `${name}.crt`],
      dir,
    );
    return new TestCa(dir, join(dir, `${name}.crt`), join(dir, `${name}.key`));
  }

  /** A certificate this CA signs; `extensions` in openssl's extfile syntax. */
  issue(name: string, subject: string, extensions: string, options: { key?: "ec" | "rsa"; days?: number } = {}): Issued {
    openssl(["req", ...newKey(options.key ?? "ec"), "-nodes", "-keyout", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], this.dir);
    writeFileSync(join(this.dir, `${name}.ext`), extensions);
    openssl(
      ["x509", "-req", "-in", `${name}.csr`, "-CA", this.cert, "-CAkey", this.key, "-CAcreateserial", "-days", String(options.days ?? 2), "-sha256",
        "-extfile", `${name}.ext`, "-out", `${name}.crt`],
      this.dir,
    );
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }

  /** An intermediate CA under this one. */
  intermediate(name: string, subject = `/CN=${name}`): TestCa {
    const issued = this.issue(name, subject, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    return new TestCa(this.dir, issued.cert, issued.key);
  }
}

export const SERVER_EXTENSIONS = (ip: string) => `subjectAltName=IP:${ip},IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`;
export const CLIENT_EXTENSIONS = "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n";
export const SIGNING_EXTENSIONS = "keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n";
