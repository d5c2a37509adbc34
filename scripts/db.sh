#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers, and prints its URL on stdout.
# Order: $DATABASE_URL if it answers; else 127.0.0.1:5432 if it answers;
# else start the machine's cluster (installing PostgreSQL from Debian's
# packages if needed); else create a private cluster under .data/pg.
set -euo pipefail
log() { echo "db: $*" >&2; }
default_url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

answers() { pg_isready -q -d "$1" -t 2 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 && ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "PostgreSQL is not installed; installing it from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
fi
PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"

if [ -n "${DATABASE_URL:-}" ] && answers "$DATABASE_URL"; then
  # The server of DATABASE_URL: same URL, maintenance database.
  echo "$DATABASE_URL"; exit 0
fi
if answers "$default_url"; then echo "$default_url"; exit 0; fi

if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
  read -r ver name _ < <(pg_lsclusters -h | head -n1)
  log "starting the PostgreSQL $ver/$name cluster"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || true
  for _ in $(seq 1 30); do answers "$default_url" && { echo "$default_url"; exit 0; }; sleep 1; done
fi

# Last resort: a private cluster owned by the postgres user (initdb refuses root).
dir="$(pwd)/.data/pg"
if [ ! -s "$dir/PG_VERSION" ]; then
  log "creating a private cluster in $dir"
  mkdir -p "$dir"
  id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres
  chown -R postgres "$dir"
  runuser -u postgres -- initdb -D "$dir" -U postgres --auth=trust >&2
fi
chown -R postgres "$dir"
log "starting the private cluster on 127.0.0.1:5432"
runuser -u postgres -- pg_ctl -D "$dir" -l "$dir/server.log" -o "-c listen_addresses=127.0.0.1 -p 5432 -k /tmp" -w start >&2
answers "$default_url" || { log "PostgreSQL did not come up; see $dir/server.log"; exit 1; }
echo "$default_url"
