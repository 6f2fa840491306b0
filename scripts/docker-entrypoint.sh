#!/bin/sh
# The Docker image's entrypoint, behaving as registry:2's: a config file alone means
# "serve it"; any other command (reindex, healthcheck, --help) goes to berth as given.
#
# Started as root (the default), it makes the data directory Berth's — a volume written by
# registry:2 holds root-owned files — and runs Berth as the unprivileged user "berth". One
# exception keeps registry:2's behaviour: when a file under /run/secrets (a TLS key, an
# htpasswd file) is not readable by "berth", Berth runs as root, and says so. Started as any
# other user (`user:` in compose), it runs as that user and changes nothing.
set -e
case "$1" in
  *.yml | *.yaml) set -- serve "$@" ;;
esac
export NODE_ENV="${NODE_ENV:-production}"
berth="node /opt/berth/dist/src/main.js"
[ "$(id -u)" = 0 ] || exec $berth "$@"

as_berth="setpriv --reuid=berth --regid=berth --init-groups"
unreadable=""
if [ -d /run/secrets ]; then
  for file in $(find /run/secrets -type f 2>/dev/null); do
    $as_berth test -r "$file" || unreadable="$unreadable $file"
  done
fi
if [ -n "$unreadable" ]; then
  echo "berth: running as root: the berth user (uid $(id -u berth)) cannot read$unreadable;" \
    "make them readable to it (e.g. chgrp $(id -g berth) and chmod 0640) to run unprivileged" >&2
  exec $berth "$@"
fi
data="${REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY:-/var/lib/registry}"
if [ -d "$data" ] && [ "$(stat -c %u "$data")" != "$(id -u berth)" ]; then
  echo "berth: giving $data to the berth user (once)" >&2
  chown -R berth:berth "$data"
fi
exec $as_berth $berth "$@"
