#!/usr/bin/env bash
# Reproducible performance run on PostgreSQL (docs/performance.md).
#
# 1. Submissions: a fresh database with a few demo units; for each
#    repetition and each concurrency, a fresh `suara serve` (built binary,
#    rate limits off) driven by suara-load for WARMUP seconds (verified,
#    not counted) and then DURATION seconds, then
#    pgbench inserting the same rows (one response + its answers per
#    transaction) into the same tables for the same time. CPU per
#    acknowledged response = CPU ticks of the server and of the PostgreSQL
#    processes serving its database (plus the WAL writer, checkpointer and
#    background writer) before/after, divided by the responses created.
#    Server RSS peak = VmHWM of the server process. Also reported: the
#    load tool's own CPU per request, and how idle the whole machine was
#    during the load (from /proc/stat): together they say whether a run
#    was bound by CPU or by waiting.
# 2. Index latency: /api/v1/units/{id}/ikm for one unit and for the root
#    of IKM_UNITS units over a year, on IKM_DB (filled with `suara demo`
#    when it does not exist; the fill is timed).
#
# Only loopback is used. Environment (defaults):
#   PG=postgres://postgres@127.0.0.1:5432  DURATION=20  REPEAT=3  CONCS="16 64"
#   OUT=/tmp/suara-perf  PORT=18480  IKM_DB=suara_perf_ikm  IKM_UNITS=1000
#   IKM_RESPONSES=1000000  SKIP_LOAD=  SKIP_IKM=  VERIFY=1  WARMUP=3 (seconds; 0: none)
#   REPLAY=0.05 (share of sends that resend an acknowledged client_id)
#   SERVER_ENV= (more environment for `suara serve`, e.g. GOMAXPROCS=2 to let Go use both of 2 cores beside a local PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DURATION=${DURATION:-20}
REPEAT=${REPEAT:-3}
CONCS=${CONCS:-"16 64"}
OUT=${OUT:-/tmp/suara-perf}
PORT=${PORT:-18480}
IKM_DB=${IKM_DB:-suara_perf_ikm}
IKM_UNITS=${IKM_UNITS:-1000}
IKM_RESPONSES=${IKM_RESPONSES:-1000000}
VERIFY=${VERIFY:-1}
WARMUP=${WARMUP:-3}
REPLAY=${REPLAY:-0.05}
SERVER_ENV=${SERVER_ENV:-}
[[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "WARMUP=$WARMUP: want whole seconds, 0 for none" >&2; exit 2; }
# SERVER_ENV is split on spaces for env(1): NAME=value words only.
[[ -z "$SERVER_ENV" || "$SERVER_ENV" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*=[^[:space:]*?[]*[[:space:]]*)+$ ]] ||
  { echo "SERVER_ENV=$SERVER_ENV: want NAME=value words separated by spaces" >&2; exit 2; }
BASE="http://127.0.0.1:$PORT"
TCK=$(getconf CLK_TCK)
mkdir -p "$OUT"

log() { printf '== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }
dburl() { echo "$PG/$1?sslmode=disable"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

log "build"
CGO_ENABLED=0 go build -trimpath -o "$OUT/suara" ./cmd/suara
CGO_ENABLED=0 go build -trimpath -o "$OUT/suara-load" ./cmd/suara-load
{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "postgres: $(psql "$(dburl postgres)" -Atc 'SHOW server_version')"
  echo "go: $(go version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  [ -z "$SERVER_ENV" ] || echo "server environment: $SERVER_ENV"
} | tee "$OUT/machine.txt" >&2

SERVER_PID=
start_server() { # $1 database URL; sets SERVER_PID
  # shellcheck disable=SC2086 # SERVER_ENV is a list of NAME=value words
  env $SERVER_ENV SUARA_RATE_LIMITS=off SUARA_LOG_LEVEL=warn "$OUT/suara" serve --db "$1" --addr "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$OUT/serve.log" >&2
  exit 1
}
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
DB=
cleanup() { # the load database is dropped even when a step fails
  stop_server
  [ -n "$DB" ] && psql "$(dburl postgres)" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

ticks() { # utime+stime of the given pids, in clock ticks ("pid ticks" lines)
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done
}
pg_pids() { # every postgres process now
  pgrep -x postgres || true
}
# pids serving database $1 now, plus the shared writers.
pg_pids_of() {
  psql "$(dburl postgres)" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$1'
    OR backend_type IN ('walwriter', 'checkpointer', 'background writer')"
}
# idle_jiffies prints "idle total" jiffies of the whole machine.
idle_jiffies() {
  awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t}' /proc/stat
}
# CPU seconds used by pids between two tick snapshots ($1 before file, $2 after file).
cpu_delta() {
  awk -v tck="$TCK" 'NR==FNR {b[$1]=$2; next} {d += $2 - ($1 in b ? b[$1] : 0)} END {printf "%.3f", d/tck}' "$1" "$2"
}

if [ -z "${SKIP_LOAD:-}" ]; then
  DB="suara_perf_$(date +%s)"
  log "fresh database $DB"
  psql "$(dburl postgres)" -qc "CREATE DATABASE $DB"
  URL=$(dburl "$DB")
  "$OUT/suara" demo --db "$URL" --units 20 --responses 0 >"$OUT/demo-small.txt" 2>&1
  read -r INST UNIT SURVEY TV < <(psql "$URL" -AtF ' ' -c \
    "SELECT s.institution_id, s.unit_id, s.id, s.template_version_id FROM surveys s JOIN units u ON u.id = s.unit_id WHERE u.parent_id IS NOT NULL ORDER BY s.id LIMIT 1")
  # pgbench (simple query mode: the -D values carry their quotes): the same
  # rows the server writes for one answer (a response with its answer
  # list and its nine answers), one transaction each, without the rollups. Its response ids
  # are random (version 4), the server's time-ordered (version 7): with
  # time-ordered ids its 64 sessions contend for the last page of the
  # primary key, and it ran 12-27 % slower in two alternated 10 s runs,
  # so the baseline keeps the faster. Its client ids are random too: with
  # time-ordered ones, as the citizen page and the load tool make, two
  # alternated runs gave no clear difference. Its responses are marked
  # excluded, so that the rollup recount of the verification leaves them
  # out (the flag costs nothing to write).
  cat >"$OUT/pgbench-insert.sql" <<'SQL'
WITH r AS (
  INSERT INTO responses (id, institution_id, client_id, survey_id, unit_id, service_id, template_version_id, day,
    captured_at, received_at, profile, comment, receipt, suspicious, excluded, answer_list)
  VALUES (gen_random_uuid()::text, :inst, gen_random_uuid()::text, :survey, :unit, NULL, :tv, to_char(now(), 'YYYY-MM-DD'),
    now(), now(), '{"age":"34","education":"sma","gender":"female","occupation":"swasta"}', '', 'SKM-PGBN-' || (random() * 1e8)::int,
    false, true, 'U1:3,U2:4,U3:3,U4:2,U5:3,U6:4,U7:4,U8:3,U9:3')
  RETURNING id, institution_id)
INSERT INTO answers (response_id, question_code, institution_id, value)
SELECT r.id, q.code, r.institution_id, q.v FROM r,
  (VALUES ('U1', 3), ('U2', 4), ('U3', 3), ('U4', 2), ('U5', 3), ('U6', 4), ('U7', 4), ('U8', 3), ('U9', 3)) AS q(code, v);
SQL
  : >"$OUT/runs.tsv"
  for rep in $(seq 1 "$REPEAT"); do
    for c in $CONCS; do
      log "run $rep, concurrency $c: suara-load ${WARMUP}s warm-up, ${DURATION}s measured"
      start_server "$URL"
      slugs=$(psql "$URL" -Atc "SELECT string_agg(slug, ',') FROM surveys")
      # Warm-up, not counted: a server just started opens its database
      # connections, fills its caches and grows its heap while 64 phones
      # connect at once (the first second's p99 was 270 ms). pgbench's rate
      # likewise leaves out its connection time. Its answers are verified
      # with the measured ones.
      if [ "$WARMUP" -gt 0 ]; then
        "$OUT/suara-load" --url "$BASE" --slug "$slugs" --concurrency "$c" --duration "${WARMUP}s" --replay-fraction "$REPLAY" \
          --seed "$((rep + 1000))" --quiet --ack-file "$OUT/acks-warmup-$rep-$c.tsv" >"$OUT/warmup-$rep-$c.txt" 2>&1 ||
          { cat "$OUT/warmup-$rep-$c.txt" >&2; exit 1; }
        # The warm-up's deltas are folded before the CPU is read, so that
        # the measured run pays only for its own (the fold runs every 5 s).
        for _ in $(seq 1 80); do
          [ "$(psql "$URL" -Atc "SELECT count(*) FROM rollup_deltas")" = 0 ] && break
          sleep 0.1
        done
      else
        : >"$OUT/acks-warmup-$rep-$c.tsv"
      fi
      pg_pids >"$OUT/pids.before"
      { ticks $(cat "$OUT/pids.before"); ticks "$SERVER_PID"; } >"$OUT/ticks.before"
      idle0=$(idle_jiffies)
      # The load tool's own CPU seconds: `times` in the command
      # substitution's shell reports its finished children, the tool alone.
      load_times=$( ("$OUT/suara-load" --url "$BASE" --slug "$slugs" \
        --concurrency "$c" --duration "${DURATION}s" --replay-fraction "$REPLAY" --seed "$rep" \
        --ack-file "$OUT/acks-$rep-$c.tsv" >"$OUT/load-$rep-$c.txt" 2>&1) && times) ||
        { cat "$OUT/load-$rep-$c.txt" >&2; exit 1; }
      load_cpu=$(awk 'NR == 2 {n = split($0, f, /[ms ]+/); t = 0; for (i = 1; i < n; i += 2) t += f[i] * 60 + f[i + 1]; printf "%.3f", t}' <<<"$load_times")
      idle1=$(idle_jiffies)
      # The server folds the rollup deltas every 5 s: wait for the fold of
      # the run's last deltas, so that its CPU is counted too, and check
      # that nothing was left unfolded.
      sleep 6
      unfolded=$(psql "$URL" -Atc "SELECT count(*) FROM rollup_deltas")
      [ "$unfolded" = 0 ] || log "warning: $unfolded rollup delta rows not folded 6 s after the run"
      ticks $(pg_pids_of "$DB") >"$OUT/ticks.pg.after"
      ticks "$SERVER_PID" >"$OUT/ticks.srv.after"
      hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
      srv_cpu=$(cpu_delta "$OUT/ticks.before" "$OUT/ticks.srv.after")
      pg_cpu=$(cpu_delta "$OUT/ticks.before" "$OUT/ticks.pg.after")
      stop_server
      if [ "$VERIFY" = 1 ]; then
        cat "$OUT/acks-warmup-$rep-$c.tsv" "$OUT/acks-$rep-$c.tsv" >"$OUT/acks-all-$rep-$c.tsv"
        "$OUT/suara-load" verify --db "$URL" --ack-file "$OUT/acks-all-$rep-$c.tsv" >"$OUT/verify-$rep-$c.txt" 2>&1 ||
          { cat "$OUT/verify-$rep-$c.txt" >&2; exit 1; }
      fi
      res=$(grep '^RESULT' "$OUT/load-$rep-$c.txt")
      get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $res"; }
      created=$(get created)
      cpu_ms=$(awk -v a="$srv_cpu" -v b="$pg_cpu" -v n="$created" 'BEGIN {printf "%.3f", (n > 0 ? (a + b) * 1000 / n : 0)}')
      load_ms=$(awk -v a="$load_cpu" -v n="$(get requests)" 'BEGIN {printf "%.3f", (n > 0 ? a * 1000 / n : 0)}')
      idle=$(awk -v a="$idle0" -v b="$idle1" 'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2])}')

      log "run $rep, concurrency $c: pgbench ${DURATION}s"
      pgbench -n -c "$c" -j 2 -T "$DURATION" -f "$OUT/pgbench-insert.sql" \
        -D inst="'$INST'" -D survey="'$SURVEY'" -D unit="'$UNIT'" -D tv="'$TV'" "$URL" >"$OUT/pgbench-$rep-$c.txt" 2>&1 ||
        { cat "$OUT/pgbench-$rep-$c.txt" >&2; exit 1; }
      tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT/pgbench-$rep-$c.txt")
      pglat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$OUT/pgbench-$rep-$c.txt")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$c" "$(get rate)" "$tps" "$(get p50_ms)" "$(get p95_ms)" \
        "$(get p99_ms)" "$pglat" "$cpu_ms" "$srv_cpu" "$pg_cpu" "$((hwm / 1024))" "$created" "$load_ms" "$idle" | tee -a "$OUT/runs.tsv" >&2
    done
  done
  {
    echo "## Submissions: medians of $REPEAT runs of ${DURATION}s (database $DB)"
    printf '| concurrency | suara resp/s | pgbench tx/s | ratio | p50 ms | p95 ms | p99 ms | pgbench avg ms | CPU ms/resp (server+pg) | server RSS peak MB | load tool CPU ms/req | machine idle %% |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
    for c in $CONCS; do
      col() { awk -F'\t' -v c="$c" -v k="$1" '$2 == c {print $k}' "$OUT/runs.tsv" | median; }
      rate=$(col 3) tps=$(col 4)
      ratio=$(awk -v a="$rate" -v b="$tps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
      printf '| %s | %s | %s | %s× | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$c" "$rate" "$tps" "$ratio" "$(col 5)" "$(col 6)" "$(col 7)" "$(col 8)" "$(col 9)" "$(col 12)" "$(col 14)" "$(col 15)"
    done
    echo
    echo "every run (rep, c, rate, pgbench tps, p50, p95, p99, pgbench avg, cpu ms/resp, server cpu s, pg cpu s, rss MB, created, load tool cpu ms/req, idle %):"
    sed 's/^/    /' "$OUT/runs.tsv"
  } | tee "$OUT/summary-load.md"
  psql "$(dburl postgres)" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  DB=
fi

if [ -z "${SKIP_IKM:-}" ]; then
  URL=$(dburl "$IKM_DB")
  if ! psql "$URL" -Atc 'SELECT 1' >/dev/null 2>&1; then
    log "fill $IKM_DB: suara demo --units $IKM_UNITS --responses $IKM_RESPONSES"
    psql "$(dburl postgres)" -qc "CREATE DATABASE $IKM_DB"
    start=$(date +%s)
    "$OUT/suara" demo --db "$URL" --units "$IKM_UNITS" --responses "$IKM_RESPONSES" --year "$(date -u +%Y)" >"$OUT/demo-ikm.txt" 2>&1
    echo "fill took $(($(date +%s) - start)) s" | tee "$OUT/fill-time.txt" >&2
  fi
  psql "$URL" -qc "ANALYZE"
  email="perf-$(date +%s)@example.go.id" password="perf-password-$RANDOM$RANDOM"
  "$OUT/suara" admin create --db "$URL" --email "$email" --password "$password" >/dev/null 2>&1
  start_server "$URL"
  token=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$BASE/api/v1/auth/login" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  read -r ROOT < <(psql "$URL" -Atc "SELECT id FROM units WHERE parent_id IS NULL ORDER BY (SELECT count(*) FROM units c WHERE c.institution_id = units.id) DESC LIMIT 1")
  read -r LEAF < <(psql "$URL" -Atc "SELECT u.id FROM units u WHERE u.institution_id = '$ROOT' AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) ORDER BY u.code LIMIT 1")
  counts=$(psql "$URL" -Atc "SELECT (SELECT count(*) FROM responses) || ' responses, ' || (SELECT count(*) FROM units) || ' units, ' ||
    (SELECT count(*) FROM rollup_counts) || ' rollup_counts rows, ' || (SELECT count(*) FROM rollup_subtrees) || ' rollup_subtrees rows, database ' ||
    pg_size_pretty(pg_database_size(current_database()))")
  year=$(date -u +%Y)
  lat() { # p50 and p95 in ms of 200 GETs of $1 on one keep-alive connection, after 5 warm-ups
    local urls=()
    for _ in $(seq 1 205); do urls+=(-o /dev/null "$BASE$1"); done
    curl -sS -H "Authorization: Bearer $token" -w '%{http_code} %{time_total}\n' "${urls[@]}" |
      tail -n 200 | awk '$1 != 200 {bad++} {print $2 * 1000} END {if (bad) print "non-200 answers: " bad > "/dev/stderr"}' |
      sort -g | awk '{a[NR]=$1} END {printf "p50 %.2f ms, p95 %.2f ms", a[int(NR*0.5+0.5)], a[int(NR*0.95+0.5)]}'
  }
  {
    echo "## Index latency on $IKM_DB ($counts)"
    [ -f "$OUT/fill-time.txt" ] && echo "fill: $(cat "$OUT/fill-time.txt")"
    echo "- /ikm one unit:            $(lat "/api/v1/units/$LEAF/ikm?from=$year-01-01&to=$year-12-31")"
    echo "- /ikm root:                $(lat "/api/v1/units/$ROOT/ikm?from=$year-01-01&to=$year-12-31")"
    echo "- /ikm/series root (month): $(lat "/api/v1/units/$ROOT/ikm/series?from=$year-01-01&to=$year-12-31&interval=month")"
    echo "- /ikm/children root:       $(lat "/api/v1/units/$ROOT/ikm/children?from=$year-01-01&to=$year-12-31")"
  } | tee "$OUT/summary-ikm.md"
  stop_server
fi
