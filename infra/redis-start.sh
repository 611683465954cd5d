#!/usr/bin/env bash
# Start a real Redis on 127.0.0.1 for tests and CI (shared rate limits).
# Idempotent: installs redis-server from Debian's packages if missing, leaves a
# running server alone. Loopback only, no persistence (counters are ephemeral).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REDIS_PORT="${REDIS_PORT:-16379}"
REDIS_DIR="${REDIS_DIR:-$ROOT/.infra/redis}"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: redis-server not installed, installing it (apt-get) ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

mkdir -p "$REDIS_DIR"
if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  echo "redis: already running on 127.0.0.1:$REDIS_PORT"
else
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --save '' --appendonly no --maxmemory 128mb --maxmemory-policy volatile-ttl
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    echo "redis: did not start; see $REDIS_DIR/redis.log" >&2
    exit 1
  fi
  echo "redis: started on 127.0.0.1:$REDIS_PORT (data under $REDIS_DIR)"
fi
echo "REDIS_URL=$REDIS_URL"
