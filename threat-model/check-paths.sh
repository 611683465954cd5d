#!/usr/bin/env bash
# Every file the threat model names as a mitigation or a test must exist.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
for p in $(grep -oE '`[a-zA-Z0-9_][a-zA-Z0-9_./-]*\.(ts|rego|sql|csv|md|yaml|sh|json)`' threat-model/README.md | tr -d '`' | sort -u); do
  if [[ ! -e "$p" ]]; then
    echo "missing: $p"
    missing=1
  fi
done
for d in k8s/base policies/promotion; do [[ -e "$d" ]] || { echo "missing: $d"; missing=1; }; done
exit $missing
