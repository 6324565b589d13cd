#!/usr/bin/env bash
# Restore a dump made by backup.sh into a fresh, empty PostgreSQL database.
#
#   createdb suara_restored
#   deploy/backup/restore.sh FILE 'postgres://…/suara_restored'
#
# The target must be empty (no tables outside the system schemas): the
# script never overwrites a live database. The restore is one transaction
# (all or nothing) and ends with ANALYZE. When FILE.sha256 exists, the dump
# is checked against it first. Then point SUARA_DATABASE_URL at the new
# database; `suara migrate status` shows every migration applied.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: restore.sh DUMP_FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
dump=$1 url=$2
bin=${PG_BIN:+${PG_BIN%/}/}
case "$url" in
  postgres://* | postgresql://*) ;;
  *) echo "restore.sh: the target must be a postgres:// URL" >&2; exit 2 ;;
esac
[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 1; }
if [ -f "$dump.sha256" ]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256")
fi

tables=$("${bin}psql" "$url" -XAtqc \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database already has $tables tables; restore into a fresh one (createdb)" >&2
  exit 1
fi

"${bin}pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
"${bin}psql" "$url" -XqAtc 'ANALYZE' >/dev/null
echo "restored $dump into the target database"
