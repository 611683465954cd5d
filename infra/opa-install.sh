#!/usr/bin/env bash
# Installs the OPA CLI (pinned) into .infra/bin; idempotent. Needs the Go toolchain
# and the Go module proxy, nothing else. Used by `npm run policies:build`,
# `npm run policies:test` and the policy freshness test.
#
# Compiling OPA from source takes ~8 minutes on 2 cores, and a clean clone (CI)
# has an empty .infra/. The built binary is therefore kept in a machine-wide
# cache outside the checkout (MARQUEE_TOOL_CACHE, default ~/.cache/marquee), keyed
# by version, Go version and platform, and copied from there on the next run. Go's
# own build and module caches (GOCACHE, GOMODCACHE) are machine-wide by default
# already, so a rebuild after a Go upgrade reuses the downloaded modules.
set -euo pipefail
OPA_VERSION="${OPA_VERSION:-v1.22.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.infra/bin"
CACHE="${MARQUEE_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/marquee}"
if [[ -x "$BIN/opa" ]] && "$BIN/opa" version 2>/dev/null | grep "^Version: ${OPA_VERSION#v}$" >/dev/null; then
  echo "opa ${OPA_VERSION} already installed at $BIN/opa"
  exit 0
fi
mkdir -p "$BIN" "$CACHE/bin"
key="opa-${OPA_VERSION}-$(go env GOVERSION)-$(go env GOOS)-$(go env GOARCH)"
if [[ -x "$CACHE/bin/$key" ]] && "$CACHE/bin/$key" version 2>/dev/null | grep "^Version: ${OPA_VERSION#v}$" >/dev/null; then
  cp "$CACHE/bin/$key" "$BIN/opa.tmp.$$" && mv -f "$BIN/opa.tmp.$$" "$BIN/opa"
  echo "opa ${OPA_VERSION} copied from the tool cache ($CACHE/bin/$key)"
  exit 0
fi
echo "installing opa ${OPA_VERSION} into $BIN (go install; cached in $CACHE)…"
GOBIN="$BIN" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
"$BIN/opa" version | sed -n 1p
# Written under a temporary name and renamed: a concurrent run never copies half a binary.
cp "$BIN/opa" "$CACHE/bin/$key.tmp.$$" && mv -f "$CACHE/bin/$key.tmp.$$" "$CACHE/bin/$key"
