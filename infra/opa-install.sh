#!/usr/bin/env bash
# Installs the OPA CLI (pinned) into .infra/bin; idempotent. Needs the Go toolchain
# and the Go module proxy, nothing else. Used by `npm run policies:build`,
# `npm run policies:test` and the policy freshness test.
set -euo pipefail
OPA_VERSION="${OPA_VERSION:-v1.22.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.infra/bin"
if [[ -x "$BIN/opa" ]] && "$BIN/opa" version 2>/dev/null | grep "^Version: ${OPA_VERSION#v}$" >/dev/null; then
  echo "opa ${OPA_VERSION} already installed at $BIN/opa"
  exit 0
fi
mkdir -p "$BIN"
echo "installing opa ${OPA_VERSION} into $BIN (go install)…"
GOBIN="$BIN" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
"$BIN/opa" version | sed -n 1p
