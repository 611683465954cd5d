#!/usr/bin/env bash
# Stop the Redis started by redis-start.sh. Idempotent.
#   --clean   also delete its directory (log, pid)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REDIS_PORT="${REDIS_PORT:-16379}"
REDIS_DIR="${REDIS_DIR:-$ROOT/.infra/redis}"

clean=false
case "${1:-}" in
  --clean) clean=true ;;
  "") ;;
  *) echo "usage: $0 [--clean]" >&2; exit 2 ;;
esac

if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  echo "redis: stopped"
else
  echo "redis: not running"
fi

if $clean; then
  rm -rf "$REDIS_DIR"
  echo "redis: data deleted ($REDIS_DIR)"
fi
