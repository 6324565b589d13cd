#!/usr/bin/env bash
# One quick submission run for A/B comparisons (docs/performance.md): a
# fresh database with the 20 demo units, a fresh `suara serve` built from
# this checkout, suara-load for DURATION seconds at concurrency CONC, then
# the writer's counters from /metrics and how busy the machine was. No
# warm-up, no pgbench and no verification: run scripts/perf/run.sh for
# the figures of record, and this one alternately on two checkouts to
# compare them. Its CPU per response counts the server and the
# PostgreSQL processes alive before and after the load (not one that
# exits meanwhile, such as an autovacuum worker), divided by the new
# responses, as run.sh does.
#
# Environment (defaults): PG=postgres://postgres@127.0.0.1:5432  CONC=16
#   DURATION=15  REPLAY=0.05  PORT=18490  OUT=/tmp/suara-quick
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
CONC=${CONC:-16}
DURATION=${DURATION:-15}
REPLAY=${REPLAY:-0.05}
PORT=${PORT:-18490}
OUT=${OUT:-/tmp/suara-quick}
mkdir -p "$OUT"
CGO_ENABLED=0 go build -trimpath -o "$OUT/suara" ./cmd/suara
CGO_ENABLED=0 go build -trimpath -o "$OUT/suara-load" ./cmd/suara-load

DB="suara_quick_$(date +%s)"
URL="$PG/$DB?sslmode=disable"
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  psql "$PG/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql "$PG/postgres?sslmode=disable" -qc "CREATE DATABASE $DB"
"$OUT/suara" demo --db "$URL" --units 20 --responses 0 >"$OUT/demo.txt" 2>&1
SUARA_RATE_LIMITS=off SUARA_LOG_LEVEL=warn "$OUT/suara" serve --db "$URL" --addr "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
slugs=$(psql "$URL" -Atc "SELECT string_agg(slug, ',') FROM surveys")
busy() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
ticks() { cat "/proc/$1/stat" 2>/dev/null | awk '{s += $14 + $15} END {print s + 0}'; }
pg_ticks() { # every PostgreSQL process (the server's pool stays open during the run)
  local s=0 p
  for p in $(pgrep -x postgres); do s=$((s + $(ticks "$p"))); done
  echo "$s"
}
batches() { curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '$1 == "suara_writer_batches_total" {print $2}'; }
read -r b0 t0 < <(busy)
s0=$(ticks "$SERVER_PID") p0=$(pg_ticks) n0=$(batches)
"$OUT/suara-load" --url "http://127.0.0.1:$PORT" --slug "$slugs" --concurrency "$CONC" \
  --duration "${DURATION}s" --replay-fraction "$REPLAY" --seed 1 --quiet 2>"$OUT/load.err" | tee "$OUT/load.out" | grep '^RESULT' || { cat "$OUT/load.err" >&2; exit 1; }
read -r b1 t1 < <(busy)
s1=$(ticks "$SERVER_PID") p1=$(pg_ticks) n1=$(batches)
created=$(sed -n 's/^RESULT.* created=\([0-9]*\).*/\1/p' "$OUT/load.out")
echo "machine busy $(( (b1 - b0) * 100 / (t1 - t0) ))%"
awk -v s="$((s1 - s0))" -v p="$((p1 - p0))" -v n="$created" -v b="$((n1 - n0))" -v tck="$(getconf CLK_TCK)" 'BEGIN {
  if (n == 0 || b == 0) exit
  printf "CPU ms per response: server %.3f, PostgreSQL %.3f; %.1f responses per batch\n", s * 1000 / tck / n, p * 1000 / tck / n, n / b
}'
curl -fsS "http://127.0.0.1:$PORT/metrics" | grep '^suara_writer_'
