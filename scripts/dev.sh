#!/usr/bin/env bash
# make run: database ready and migrated, a dev key and API token generated
# once (kept in the ignored .env.dev), a demo admin printed, server on :8080.
set -euo pipefail
server_url="$(scripts/db.sh)"
dev_url="${server_url%%\?*}"; dev_url="${dev_url%/*}/clipcabinet_dev?sslmode=disable"
if ! psql "$server_url" -tAc "SELECT 1 FROM pg_database WHERE datname = 'clipcabinet_dev'" | grep -q 1; then
  echo "run: creating database clipcabinet_dev" >&2
  psql "$server_url" -qc "CREATE DATABASE clipcabinet_dev"
fi
if [ ! -f .env.dev ]; then
  umask 077
  cat > .env.dev <<ENV
CLIPCABINET_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
CLIPCABINET_API_TOKEN=dev_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
DEMO_ADMIN_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
ENV
  echo "run: wrote a dev encryption key and API token to .env.dev (ignored by git)" >&2
fi
set -a; . ./.env.dev; set +a
export DATABASE_URL="$dev_url" CLIPCABINET_ALLOW_PRIVATE_TARGETS=true
bin/clipcabinet migrate up >/dev/null
admin_id="$(bin/clipcabinet user create --if-missing --admin --name "Demo Admin" \
  --email admin@example.com --password "$DEMO_ADMIN_PASSWORD")"
cat <<MSG

  ClipCabinet Webhooks (dev)
  dashboard:  http://localhost:8080
  demo admin: admin@example.com / $DEMO_ADMIN_PASSWORD   ($admin_id)
  API token:  $CLIPCABINET_API_TOKEN
  try it:     curl -H "Authorization: Bearer \$TOKEN" http://localhost:8080/api/v1/users/$admin_id/endpoints
  receiver:   bin/clipcabinet receive --secret whsec_... --addr 127.0.0.1:9000

MSG
exec bin/clipcabinet serve
