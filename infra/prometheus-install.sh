#!/usr/bin/env bash
# Installs Prometheus and promtool from Debian's packages (package `prometheus`); idempotent.
# Used by the monitoring tests (promtool check config / test rules; a real Prometheus
# scraping the service). The tests call /usr/bin/prometheus directly with their own
# config; a system service the package may start is not needed (and is stopped here).
set -euo pipefail
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | sed -n 1p)"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "installing prometheus (Debian package)…"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
  || { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; }
# The package enables a system service on :9090 where an init system runs; the tests do not use it.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  $SUDO systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
prometheus --version 2>&1 | sed -n 1p
