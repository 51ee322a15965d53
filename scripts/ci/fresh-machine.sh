#!/usr/bin/env bash
# A fresh Debian machine without libsecret's headers: keytar (an optional
# dependency) cannot build, everything else installs, the API's tests pass, and
# the Companion names the package to install. The headers are hidden from the
# build (PKG_CONFIG_LIBDIR) rather than uninstalled, so the rest of CI keeps them.
# `npm ci --omit=optional` cannot stand in for this: esbuild (under tsx) and the
# embedded PostgreSQL ship their platform binaries as optional packages too.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
git clone -q "$src" "$work/ngn"
cd "$work/ngn"
PKG_CONFIG_LIBDIR=/nonexistent ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-fund --no-audit --loglevel=error
if node -e "require('keytar')" 2>/dev/null; then echo "fresh-machine: keytar built although libsecret was hidden" >&2; exit 1; fi
node --import tsx scripts/ci/keychain-missing.ts
TEST_PG_PORT=54331 npm test -- api/test/auth.test api/test/platform api/test/licenses.test api/test/purchases.test
