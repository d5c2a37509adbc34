#!/usr/bin/env bash
# Export memory (issue 14): seeds N deliveries (default 100,000) to one
# endpoint in a database of their own, starts the real server binary, and
# downloads the drawer's, the admin list's and the API's CSV export of all
# of them, printing the server's peak RSS (VmHWM from /proc/PID/status)
# before and after each download. Flat memory: the peak hardly moves
# however many rows stream. Usage: scripts/export_rss.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
base=$(scripts/db.sh)
db="export_rss_$$"
url="${base/\/postgres\?//$db?}"
work=$(mktemp -d)
addr=127.0.0.1:18391
token=$(openssl rand -hex 32)
export CLIPCABINET_ENCRYPTION_KEY="$(openssl rand -base64 32)"
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$base" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$base" -qc "CREATE DATABASE $db"
go build -o "$work/" ./cmd/clipcabinet ./cmd/loadgen
DATABASE_URL="$url" "$work/clipcabinet" migrate up >/dev/null
"$work/loadgen" lists --seed --db "$url" --deliveries "$n" --users 1 --endpoints-per-user 1 >"$work/seed.log" 2>&1 || { cat "$work/seed.log"; exit 1; }
ep=$(psql "$url" -Atc "SELECT id FROM endpoints LIMIT 1")
echo "seeded: $(psql "$url" -Atc "SELECT count(*) FROM deliveries") deliveries to $ep"

DATABASE_URL="$url" CLIPCABINET_ADDR="$addr" CLIPCABINET_API_TOKEN="$token" CLIPCABINET_LOG_LEVEL=warn \
  "$work/clipcabinet" serve --no-migrate >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://$addr/healthz" >/dev/null && break; sleep 0.1; done
hwm() { awk '/VmHWM|VmRSS/ {printf "%s %s kB  ", $1, $2}' "/proc/$pid/status"; echo; }
login() { # $1 email, $2 cookie jar
  curl -fs -o /dev/null -c "$2" -X POST "http://$addr/login" \
    --data-urlencode "email=$1" --data-urlencode "password=lists-bench-password" --data-urlencode "next=/endpoints"
}
login lists-000@example.com "$work/owner"
login lists-admin@example.com "$work/admin"
# One page of the drawer first, so "before" includes a warmed-up server.
curl -fs -o /dev/null -b "$work/owner" "http://$addr/endpoints/$ep/deliveries"
echo "before:             $(hwm)"
get() { # $1 name, rest curl args
  local name=$1; shift
  curl -fs -o "$work/out.csv" "$@"
  echo "after $name: $(($(wc -l <"$work/out.csv") - 1)) rows, $(hwm)"
}
get "drawer export" -b "$work/owner" "http://$addr/endpoints/$ep/deliveries/export?format=csv"
get "admin export " -b "$work/admin" "http://$addr/admin/deliveries/export?format=csv&status=any"
get "API export   " -H "Authorization: Bearer $token" "http://$addr/api/v1/deliveries/export?format=csv"
