#!/usr/bin/env bash
# Installs what Berth's test suite needs on a fresh Debian 12 machine, then the npm packages.
# Real servers and clients, not mocks: dockerd (docker.io), skopeo, and registry:2.8
# (Debian's docker-registry) as the reference registry.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: run as root (the e2e tests start dockerd, which needs root)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: apt-get update"
apt-get update -q
echo "install-test-deps: installing docker.io skopeo docker-registry curl"
apt-get install -y -q --no-install-recommends docker.io skopeo docker-registry curl ca-certificates >/dev/null
echo "install-test-deps: npm ci (also builds dist/)"
npm ci --no-audit --no-fund
