#!/usr/bin/env bash
# make run: database ready and migrated, a dev key and API token generated
# once (kept in the ignored .env.dev), a demo admin printed, server on :8080.
#
# The database belongs to the .env.dev that made it (CLIPCABINET_DEV_DB):
# a new .env.dev, with its new key, gets a new database, so a key never
# meets secrets sealed with another. The demo admin's password is set to
# the printed one on every run, so the login shown always works.
set -euo pipefail
server_url="$(scripts/db.sh)"
if [ ! -f .env.dev ]; then
  umask 077
  cat > .env.dev <<ENV
CLIPCABINET_DEV_DB=clipcabinet_dev_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
CLIPCABINET_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
CLIPCABINET_API_TOKEN=dev_$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
DEMO_ADMIN_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
ENV
  echo "run: wrote a dev database name, encryption key and API token to .env.dev (ignored by git)" >&2
fi
set -a; . ./.env.dev; set +a
db="${CLIPCABINET_DEV_DB:-clipcabinet_dev}" # an .env.dev from before CLIPCABINET_DEV_DB
if [ "${#CLIPCABINET_API_TOKEN}" -lt 32 ]; then
  # An .env.dev from before the 32-character minimum: a longer token.
  CLIPCABINET_API_TOKEN="dev_$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"
  sed -i "s/^CLIPCABINET_API_TOKEN=.*/CLIPCABINET_API_TOKEN=$CLIPCABINET_API_TOKEN/" .env.dev
  echo "run: the API token in .env.dev was shorter than 32 characters: made a new one" >&2
fi
dev_url="${server_url%%\?*}"; dev_url="${dev_url%/*}/$db?sslmode=disable"
if ! psql "$server_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  echo "run: creating database $db" >&2
  psql "$server_url" -qc "CREATE DATABASE $db"
fi
export DATABASE_URL="$dev_url" CLIPCABINET_ALLOW_PRIVATE_TARGETS=true
bin/clipcabinet migrate up >/dev/null
admin_id="$(printf '%s\n' "$DEMO_ADMIN_PASSWORD" | bin/clipcabinet user create --if-missing --admin \
  --name "Demo Admin" --email admin@example.com)"
printf '%s\n' "$DEMO_ADMIN_PASSWORD" | bin/clipcabinet user set-password --email admin@example.com 2>/dev/null
cat <<MSG

  ClipCabinet Webhooks (dev)
  dashboard:  http://localhost:8080
  demo admin: admin@example.com / $DEMO_ADMIN_PASSWORD   ($admin_id)
  API token:  $CLIPCABINET_API_TOKEN
  try it:     curl -H "Authorization: Bearer \$TOKEN" http://localhost:8080/api/v1/users/$admin_id/endpoints
  receiver:   bin/clipcabinet receive --secret whsec_... --addr 127.0.0.1:9000

MSG
exec bin/clipcabinet serve
