#!/usr/bin/env bash
# Stop the Redis started by redis-start.sh. Idempotent.
#   --clean   also delete its directory (log, pid)
#   --kill    SIGKILL the server (a crash, for fault-injection tests)
# REDIS_PORT / REDIS_DIR select a server started with the same values.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REDIS_PORT="${REDIS_PORT:-16379}"
REDIS_DIR="${REDIS_DIR:-$ROOT/.infra/redis}"

clean=false
kill_now=false
case "${1:-}" in
  --clean) clean=true ;;
  --kill) kill_now=true ;;
  "") ;;
  *) echo "usage: $0 [--clean|--kill]" >&2; exit 2 ;;
esac

if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
  if $kill_now && [[ -n "$pid" ]] && grep -qa 'redis-server' "/proc/$pid/cmdline" 2>/dev/null; then
    kill -KILL "$pid"
    for _ in $(seq 1 50); do [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" =~ ^[^Z] ]] || break; sleep 0.1; done
    echo "redis: killed (SIGKILL)"
  else
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    echo "redis: stopped"
  fi
else
  echo "redis: not running"
fi

if $clean; then
  rm -rf "$REDIS_DIR"
  echo "redis: data deleted ($REDIS_DIR)"
fi
