#!/usr/bin/env bash
# Stop the broker started by kafka-start.sh: SIGTERM (controlled shutdown),
# then SIGKILL if it has not exited in time. Idempotent. KAFKA_DIR selects a
# broker started with the same KAFKA_DIR (default .infra/kafka).
#   --kill    SIGKILL at once (a crash, for fault-injection tests)
#   --clean   also delete the broker's data (topics, offsets, cluster id)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${KAFKA_DIR:-$ROOT/.infra/kafka}"
PID_FILE="$HOME_DIR/kafka.pid"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

# alive = exists and is not a zombie (PID 1 in a container may never reap it)
alive() { [[ "$(ps -o stat= -p "$1" 2>/dev/null)" =~ ^[^Z] ]]; }

clean=false
kill_now=false
case "${1:-}" in
  --clean) clean=true ;;
  --kill) kill_now=true ;;
  "") ;;
  *) echo "usage: $0 [--clean|--kill]" >&2; exit 2 ;;
esac

pid="$(cat "$PID_FILE" 2>/dev/null || true)"
# only signal the pid if it really is our broker (pids get reused)
if [[ -n "$pid" ]] && grep -qa 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null; then
  if $kill_now; then
    echo "kafka: killing pid $pid (SIGKILL)"
    kill -KILL "$pid" 2>/dev/null || true
  else
    echo "kafka: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < KAFKA_STOP_TIMEOUT * 5; i++)); do
    alive "$pid" || break
    sleep 0.2
  done
  if alive "$pid"; then
    echo "kafka: still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  echo "kafka: stopped"
else
  echo "kafka: not running"
fi
rm -f "$PID_FILE"

if $clean; then
  rm -rf "$HOME_DIR/data"
  echo "kafka: data deleted ($HOME_DIR/data)"
fi
