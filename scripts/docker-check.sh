#!/usr/bin/env bash
# Builds the image and brings the compose service up, then checks what the issues promise:
# healthy, answers /predict, non-root, read-only root filesystem, no training code or data;
# and recording (issue #26): a forecast asked with a student_id gets a forecast_id, its row
# is in the SQLite file on the named volume, and both survive `docker compose restart`.
# The compose file's `postgres` profile needs the postgres:15 image from Docker Hub and is
# not run here.
# For machines like ours (host networking only, torch's CPU index unreachable): the local
# torch wheel folder is served to the build on 127.0.0.1. Elsewhere plain
# `docker compose up -d --build --wait` is all it takes.
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=$(python3 -m pip config get global.find-links 2>/dev/null || true)
server_pid=
cleanup() {
  # -v: the named volume too, so the next run starts from an empty store.
  docker compose -f docker-compose.yml -f scripts/compose.host-network.yml down -v >/dev/null 2>&1 || true
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

# The forecast's row, read inside the container from the file on the volume.
stored_forecast() {
  "${compose[@]}" exec -T api python -c '
import sqlite3, sys
database = sqlite3.connect("/srv/data/cgpa.sqlite3")
row = database.execute("SELECT id, semester FROM forecasts WHERE id = ?", (sys.argv[1],)).fetchone()
print(row or "")' "$1"
}
wait_ready() {
  for _ in $(seq 60); do
    curl -sf 127.0.0.1:8000/health/ready >/dev/null && return 0
    sleep 1
  done
  echo "not ready 60 s after the restart" >&2; return 1
}
echo "--- POST /predict with a student_id"
answer=$(curl -sf -X POST 127.0.0.1:8000/predict -H 'content-type: application/json' \
  -d '{"grades":[7.1,7.4,7.9,8.0],"student_id":"docker-check-1"}')
echo "$answer"
forecast_id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["forecast_id"])' <<<"$answer")
echo "--- stored on the volume: $(stored_forecast "$forecast_id")"
test -n "$(stored_forecast "$forecast_id")"
"${compose[@]}" exec -T api ls -ln /srv/data
mounts=$(docker inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} -> {{.Destination}} {{end}}' \
  "$("${compose[@]}" ps -q api)")
echo "--- mounts: $mounts"
grep -q "volume [^ ]*_cgpa-data -> /srv/data" <<<"$mounts"
"${compose[@]}" restart api
wait_ready
echo "--- after docker compose restart: $(stored_forecast "$forecast_id")"
test -n "$(stored_forecast "$forecast_id")"
echo "--- POST /outcomes finds the forecast recorded before the restart (same key file)"
counts=$(curl -sf -X POST 127.0.0.1:8000/outcomes -H 'content-type: application/json' \
  -d '{"outcomes":[{"student_id":"docker-check-1","semester":5,"grade":7.9}]}')
echo "$counts"
test "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["matched"])' <<<"$counts")" = 1
echo "docker-check: OK"
