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

# Owner notifications' emails go to a local mail catcher, mailpit (make run
# builds bin/mailpit from go.mod's tool block), unless CLIPCABINET_SMTP_URL
# is set already. One left running by an earlier make run is reused.
mail_ui="none (bin/mailpit is not built: notices are shown in the dashboard only)"
mailpit_pid=
if [ -n "${CLIPCABINET_SMTP_URL:-}" ]; then
  mail_ui="none: CLIPCABINET_SMTP_URL is set ($CLIPCABINET_SMTP_URL)"
elif [ -x bin/mailpit ]; then
  smtp_addr="${CLIPCABINET_DEV_MAIL_SMTP:-127.0.0.1:1025}" ui_addr="${CLIPCABINET_DEV_MAIL_UI:-127.0.0.1:8025}"
  mailpit_up() { (exec 3<>"/dev/tcp/${smtp_addr%:*}/${smtp_addr##*:}") 2>/dev/null; }
  if ! mailpit_up; then
    bin/mailpit --quiet --smtp "$smtp_addr" --listen "$ui_addr" >&2 &
    mailpit_pid=$!
    for _ in $(seq 100); do mailpit_up && break; kill -0 "$mailpit_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if mailpit_up; then
    export CLIPCABINET_SMTP_URL="smtp://$smtp_addr"
    export CLIPCABINET_MAIL_FROM="${CLIPCABINET_MAIL_FROM:-ClipCabinet Webhooks <webhooks@localhost>}"
    mail_ui="http://$ui_addr   (mailpit: every notice email lands here)"
  else
    mail_ui="none: mailpit did not start on $smtp_addr (notices are shown in the dashboard only)"
    mailpit_pid=
  fi
fi
cat <<MSG

  ClipCabinet Webhooks (dev)
  dashboard:  http://localhost:8080
  demo admin: admin@example.com / $DEMO_ADMIN_PASSWORD   ($admin_id)
  API token:  $CLIPCABINET_API_TOKEN
  try it:     curl -H "Authorization: Bearer \$TOKEN" http://localhost:8080/api/v1/users/$admin_id/endpoints
  receiver:   bin/clipcabinet receive --secret whsec_... --addr 127.0.0.1:9000
  mail:       $mail_ui

MSG
if [ -z "$mailpit_pid" ]; then
  exec bin/clipcabinet serve
fi
# The mailpit started here stops with the server.
bin/clipcabinet serve &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null' INT TERM
trap 'kill "$mailpit_pid" 2>/dev/null' EXIT
rc=0
wait "$serve_pid" || rc=$?
if [ "$rc" -gt 128 ] && kill -0 "$serve_pid" 2>/dev/null; then # a trapped signal: let it finish stopping
  rc=0
  wait "$serve_pid" || rc=$?
fi
exit "$rc"
