#!/usr/bin/env bash
# Installs what Berth's test suite needs on a fresh Debian 12 machine, then the npm packages.
# Real servers and clients, not mocks. Each feature lists its Debian packages in
# scripts/test-deps/<feature>.list (one per line, # comments); this installs all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: run as root (the e2e tests start dockerd and other servers, which needs root)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
packages=$(sed -e 's/#.*//' scripts/test-deps/*.list | tr -s '[:space:]' ' ')
echo "install-test-deps: apt-get update"
apt-get update -q
echo "install-test-deps: installing${packages% }"
apt-get install -y -q --no-install-recommends $packages >/dev/null
echo "install-test-deps: npm ci (also builds dist/)"
npm ci --no-audit --no-fund
