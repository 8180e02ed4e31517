#!/usr/bin/env bash
# The city layout of docs/deploy.md on one machine, checked: PostgreSQL (a database of its
# own), Redis, two app processes on two ports (each `duban serve --workers N`, gunicorn), and
# the month-end burst sent to both (the client alternates between them, as nginx would).
# Passes when every report accepted is stored once and nothing else was written.
#
#   scripts/deploy_check.sh                 # 50 units (~500 reports)
#   UNITS=2000 ITEMS=20000 scripts/deploy_check.sh
#
# Environment: DUBAN_CHECK_POSTGRES (a server URL; default postgres://postgres@127.0.0.1:5432/postgres),
# DUBAN_REDIS_URL (default redis://127.0.0.1:6379/15), WORKERS (per process, default 2),
# UNITS, ITEMS, CONCURRENCY. It stops only the processes it started and drops its database.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${DUBAN_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
DUBAN="$VENV/bin/duban"
SERVER_URL="${DUBAN_CHECK_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="duban_deploy_check_$$"
UNITS="${UNITS:-50}"
ITEMS="${ITEMS:-$((UNITS * 10))}"
WORKERS="${WORKERS:-2}"
CONCURRENCY="${CONCURRENCY:-32}"

DATA="$(mktemp -d -t duban-deploy-check-XXXXXX)"
export DUBAN_DATA_DIR="$DATA"
export DUBAN_REDIS_URL="${DUBAN_REDIS_URL:-redis://127.0.0.1:6379/15}"
export DUBAN_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DATABASE_URL="${SERVER_URL%/*}/$DB"
export DJANGO_SETTINGS_MODULE=duban.config.settings
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    "$PY" - "$SERVER_URL" "$DB" <<'PYEOF' || true
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PYEOF
    rm -rf "$DATA"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== PostgreSQL: database $DB"
"$PY" - "$SERVER_URL" "$DB" <<'PYEOF'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PYEOF
echo "== Redis: $DUBAN_REDIS_URL"
"$PY" -c 'import os, redis; assert redis.Redis.from_url(os.environ["DUBAN_REDIS_URL"]).ping()'
"$DUBAN" migrate --verbosity 0
"$DUBAN" shell --no-imports -c '
from django.core.cache import caches
from django.db import connection
cache = caches["default"]
assert type(cache).__name__ == "RedisCache", type(cache)
cache.set("deploy-check", "ok", 30)
assert cache.get("deploy-check") == "ok"
assert connection.vendor == "postgresql"
print("cache:", type(cache).__name__, "database:", connection.vendor)'

BASES=()
for n in 1 2; do
    port="$(free_port)"
    "$DUBAN" serve --host 127.0.0.1 --port "$port" --workers "$WORKERS" --threads 4 \
        >"$DATA/server$n.log" 2>&1 &
    PIDS+=("$!")
    BASES+=(--base-url "http://127.0.0.1:$port")
    echo "== app process $n: http://127.0.0.1:$port/ ($WORKERS gunicorn workers), pid $!"
done

echo "== the month-end burst against both"
"$PY" "$ROOT/benchmarks/bench_burst.py" --database-url "$DATABASE_URL" "${BASES[@]}" \
    --units "$UNITS" --items "$ITEMS" --concurrency "$CONCURRENCY"
echo "== deploy check passed"
