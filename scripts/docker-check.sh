#!/usr/bin/env bash
# Builds the image and brings the compose service up, then checks what the issue promises:
# healthy, answers /predict, non-root, read-only root filesystem, no training code or data.
# For machines like ours (host networking only, torch's CPU index unreachable): the local
# torch wheel folder is served to the build on 127.0.0.1. Elsewhere plain
# `docker compose up -d --build --wait` is all it takes.
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=$(python3 -m pip config get global.find-links 2>/dev/null || true)
server_pid=
cleanup() {
  docker compose -f docker-compose.yml -f scripts/compose.host-network.yml down >/dev/null 2>&1 || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
if [ -n "$wheels" ] && [ -d "$wheels" ]; then
  python3 -m http.server 8765 --bind 127.0.0.1 --directory "$wheels" >/dev/null 2>&1 &
  server_pid=$!
  export PIP_FIND_LINKS=http://127.0.0.1:8765/
fi
compose=(docker compose -f docker-compose.yml -f scripts/compose.host-network.yml)
"${compose[@]}" up -d --build --wait
"${compose[@]}" ps
echo "--- POST /predict"
curl -sf -X POST 127.0.0.1:8000/predict -H 'content-type: application/json' \
  -d '{"grades":[7.1,7.4,7.9,8.0]}'
echo
echo "--- user in the container: $("${compose[@]}" exec -T api id -u)"
test "$("${compose[@]}" exec -T api id -u)" != 0
if "${compose[@]}" exec -T api sh -c 'touch /srv/probe' 2>/dev/null; then
  echo "root filesystem is writable" >&2; exit 1
fi
echo "--- root filesystem is read-only"
leftovers=$("${compose[@]}" exec -T api sh -c \
  'find / -xdev \( -name "*.csv" -o -name "training" -o -name ".env" \) -not -path "/proc/*" 2>/dev/null' || true)
if [ -n "$leftovers" ]; then echo "unexpected files in the image: $leftovers" >&2; exit 1; fi
echo "--- no training code, data or .env in the image"
echo "docker-check: OK"
