#!/usr/bin/env bash
# Back up Suara's PostgreSQL database with pg_dump, custom format.
#
#   SUARA_DATABASE_URL=postgres://… deploy/backup/backup.sh [FILE]
#
# FILE defaults to suara-<UTC time>.dump in the current directory. The dump
# is written beside FILE as FILE.partial, checked with pg_restore --list,
# then renamed, so FILE is either whole or absent; FILE.sha256 holds its
# checksum. pg_dump must be at least the server's major version: set PG_BIN
# to a directory with a newer one (e.g. /usr/lib/postgresql/16/bin).
# Restore with deploy/backup/restore.sh. See deploy/README.md.
set -euo pipefail

url=${SUARA_DATABASE_URL:-}
case "$url" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: set SUARA_DATABASE_URL to the postgres:// URL of the database" >&2; exit 2 ;;
esac
out=${1:-suara-$(date -u +%Y%m%dT%H%M%SZ).dump}
bin=${PG_BIN:+${PG_BIN%/}/}

major() { "$1" --version | awk '{ split($3, v, "."); print v[1] }'; }

# An older pg_dump refuses a newer server; say which one to use instead.
server=$("${bin}psql" "$url" -XAtqc 'SHOW server_version_num')
server=$((server / 10000))
client=$(major "${bin}pg_dump")
if [ "$client" -lt "$server" ]; then
  echo "backup.sh: pg_dump $client cannot dump a PostgreSQL $server server; install version $server or newer and set PG_BIN" >&2
  exit 1
fi

tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
# --no-owner/--no-privileges: the dump restores under whatever role the
# target uses. Custom format: compressed, and pg_restore can pick from it.
"${bin}pg_dump" --format=custom --compress=6 --no-owner --no-privileges --file="$tmp" "$url"
"${bin}pg_restore" --list "$tmp" >/dev/null
mv "$tmp" "$out"
trap - EXIT
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" >"$(basename "$out").sha256")
echo "$out"
