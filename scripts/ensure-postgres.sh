#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use answers (127.0.0.1:5432, trust auth, database
# `test`; CGPA_TEST_POSTGRES_URL names another). Where it is installed but stopped (the CI and
# development machines: Debian's postgresql-15), it is started; elsewhere the PostgreSQL tests
# skip themselves and say so, so this only warns.
set -euo pipefail
host=127.0.0.1 port=5432
if [ -n "${CGPA_TEST_POSTGRES_URL:-}" ]; then
  exit 0
fi
if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "starting PostgreSQL 15 for the tests ..."
  pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 30); do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
  done
  echo "PostgreSQL 15 did not come up on $host:$port" >&2
  exit 1
fi
echo "no PostgreSQL on $host:$port: the PostgreSQL tests will be skipped" \
  "(install postgresql-15, or set CGPA_TEST_POSTGRES_URL)" >&2
