#!/usr/bin/env bash
# Stop the PostgreSQL started by pg-start.sh (fast shutdown: running
# transactions are rolled back, nothing is lost that was committed). Idempotent.
#   --clean      also delete the cluster (it is re-created by the next pg-start.sh)
#   --immediate  stop without a clean shutdown (as a crash; recovery replays the WAL)
# PG_DATA_DIR selects a cluster started with the same PG_DATA_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_DATA_DIR="${PG_DATA_DIR:-$ROOT/.infra/pg/data}"

clean=false
mode=fast
case "${1:-}" in
  --clean) clean=true ;;
  --immediate) mode=immediate ;;
  "") ;;
  *) echo "usage: $0 [--clean|--immediate]" >&2; exit 2 ;;
esac

BIN="$(find /usr/lib/postgresql -path '*/bin/pg_ctl' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname)"
if ((EUID == 0)); then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [[ -n "$BIN" && -f "$PG_DATA_DIR/PG_VERSION" ]] &&
  as_pg "$BIN/pg_ctl" -D "$PG_DATA_DIR" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$PG_DATA_DIR" -m "$mode" -w -t 60 stop >/dev/null
  echo "pg: stopped"
else
  echo "pg: not running"
fi

if $clean; then
  rm -rf "$PG_DATA_DIR"
  echo "pg: data deleted ($PG_DATA_DIR)"
fi
