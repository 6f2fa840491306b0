# Berth's image: a drop-in for registry:2 — the same config path (/etc/docker/registry/config.yml),
# data path (/var/lib/registry), port (5000) and REGISTRY_* variables.
#
#   docker build -t berth .
#
# BASE is the runtime (Debian with Node.js >= 20.19); BUILD_BASE adds npm and a C++ toolchain,
# since better-sqlite3 compiles from source where no prebuilt binary can be downloaded.
ARG BASE=node:20-bookworm-slim
ARG BUILD_BASE=node:20-bookworm

FROM ${BUILD_BASE} AS build
# Extra C compiler flags for native dependencies (better-sqlite3's SQLite); Berth's tests pass
# -O0 to build faster. Empty by default: the packages' own optimised build.
ARG CFLAGS=
COPY . /build/
# Few steps on purpose: every step is a layer, and some storage drivers copy each one whole.
# npm ci builds better-sqlite3 and, through the project's `prepare` script, dist/.
RUN cd /build \
 && npm ci --no-audit --no-fund --loglevel=error \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && mkdir -p /opt/berth/dist /opt/berth/bin \
 && cp -r package.json node_modules /opt/berth/ \
 && cp -r dist/src dist/storage-drivers dist/portal /opt/berth/dist/ \
 && cp scripts/docker-entrypoint.sh /opt/berth/bin/berth-entrypoint \
 && cd /opt/berth/node_modules/better-sqlite3 \
 && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/.deps build/Release/test_extension.node

FROM ${BASE}
# A system user of its own; Berth runs as it and the data volume belongs to it.
RUN groupadd --system --gid 10001 berth \
 && useradd --system --uid 10001 --gid berth --home-dir /var/lib/registry --no-create-home --shell /usr/sbin/nologin berth \
 && mkdir -p /etc/docker/registry /var/lib/registry \
 && chown berth:berth /var/lib/registry \
 && printf '%s\n' \
    '# registry:2 image defaults, plus where Berth keeps its metadata database.' \
    'version: 0.1' \
    'log:' \
    '  fields:' \
    '    service: registry' \
    'storage:' \
    '  cache:' \
    '    blobdescriptor: inmemory' \
    '  filesystem:' \
    '    rootdirectory: /var/lib/registry' \
    'http:' \
    '  addr: :5000' \
    '  headers:' \
    '    X-Content-Type-Options: [nosniff]' \
    'health:' \
    '  storagedriver:' \
    '    enabled: true' \
    '    interval: 10s' \
    '    threshold: 3' \
    'database:' \
    '  path: /var/lib/registry/berth/metadata.sqlite' \
    > /etc/docker/registry/config.yml
COPY --from=build /opt/berth /opt/berth
# The entrypoint starts as root only to hand the data directory to "berth", then drops to it.
VOLUME ["/var/lib/registry"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["node", "/opt/berth/dist/src/main.js", "healthcheck", "/etc/docker/registry/config.yml"]
# As registry:2: a config path alone means "serve it"; other commands (reindex, ...) pass through.
ENTRYPOINT ["/opt/berth/bin/berth-entrypoint"]
CMD ["/etc/docker/registry/config.yml"]
