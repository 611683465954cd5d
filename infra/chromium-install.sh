#!/usr/bin/env bash
# Installs Debian's chromium (idempotent) for the console's browser tests
# (test/console/*.spec.ts drive it with puppeteer-core; no browser is ever
# downloaded at run time). CHROMIUM_PATH overrides where the tests look.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
  echo "chromium already installed at $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
echo "installing chromium with apt-get…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
