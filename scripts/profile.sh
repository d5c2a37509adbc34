#!/usr/bin/env bash
# scripts/profile.sh drain|api|fanout|paced: one load run with where the time goes, for
# tuning (make bench is the scoreboard). Prints the run's line and the CPU
# each kind of process used over it (cores, from /proc).
#   drain: seed N (40,000) deliveries of 1 KiB, start a server, time the drain
#   api:   16 clients (CONC) publish in a closed loop for DUR (10s)
#   paced: RATE (1,000) events/s over USERS (1) users' endpoints, CONC (32) clients, DUR (20s)
#   fanout: 16 clients publish EVENTS (1,000) events to one user's 20 endpoints
# Options (environment):
#   LOGSTMT=1     log every statement; print PostgreSQL time per statement
#   AUTOEXPLAIN=1 log every plan with timings (auto_explain) to bench-out/plans.log;
#                 AUTOEXPLAIN_MIN=ms only those of statements that took that long
#   SERVER_BIN    another server binary to run [bin/clipcabinet]
#   PRESEED=n     drain: seed and drain N, then n more, before the timed backlog;
#                 the other modes: seed and drain n before the load (a history)
#   VACUUM=1      with PRESEED: VACUUM the database after the history
#   DUE_IN        drain: how long after its seed the timed backlog falls due [15s]
#   PPROF=1       save 3 s (PPROF_SECONDS) CPU and allocation profiles of the server to
#                 bench-out/server.pprof and allocs.pprof, from 1 s (PPROF_DELAY) after
#                 it is ready
#   CUSTOMERS=n   n other users with an endpoint each, analyzed, before the load
#                 (loadgen customers; make bench has 20,000)
#   EXTRA_SQL     statements (;-separated) run on the database before the load
#   PGSET         settings (;-separated, "name = value") for the server's sessions,
#                 e.g. PGSET="log_planner_stats = on" (its log in bench-out/plans.log)
#   SERVERS=2     a second server process on the same database (make bench's 6)
#   IDLE=s        wait s seconds with the server idle before the load (make bench's 1)
#   SERIES=1      paced/api/fanout: each publish's start and API latency (ms) to
#                 bench-out/series.txt
#   RSS=1         the server's resident size 5 s after the load
#   STATIO=1      blocks read from outside shared_buffers (and found in them) per
#                 table and index over the load, the largest first
#   TUPLES=1      rows inserted, updated (of them HOT), deleted per table over the load
#   SIZES=1       bytes each table and index grew by over the load, the largest first
#   METRICS=1     the server's own count of publishes over 25/50/100/250 ms to store
#                 (clipcabinet_publish_duration_seconds), beside what the load tool saw
# Needs bin/ built and TEST_DATABASE_URL (make build; scripts/db.sh).
set -euo pipefail
mode="${1:?usage: scripts/profile.sh drain|api|fanout|paced}"
server_url="${TEST_DATABASE_URL:?}"
db="clipcabinet_profile_$$"
db_url="${server_url%%\?*}"; db_url="${db_url%/*}/$db?sslmode=disable"
out=bench-out; mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$server_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql "$server_url" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$db_url"
export CLIPCABINET_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"
export CLIPCABINET_API_TOKEN=bench-token-0123456789abcdefghijk CLIPCABINET_ALLOW_PRIVATE_TARGETS=true
export CLIPCABINET_ADDR=127.0.0.1:18188 CLIPCABINET_LOG_LEVEL=error
[ "${PPROF:-0}" = 1 ] && export CLIPCABINET_PPROF_ADDR=127.0.0.1:18189
"${SERVER_BIN:-bin/clipcabinet}" migrate up >/dev/null
R=http://127.0.0.1:19188
bin/loadgen receive --addr 127.0.0.1:19188 2>/dev/null >/dev/null & pids+=($!)
sleep 0.5
if [ "$mode" = drain ]; then
  bin/loadgen seed --deliveries "${N:-40000}" --url "$R/hook" --receiver "$R" >/dev/null
fi
[ "${CUSTOMERS:-0}" -gt 0 ] && bin/loadgen customers --n "$CUSTOMERS" >/dev/null
if [ -n "${EXTRA_SQL:-}" ]; then
  IFS=";" read -ra stmts <<<"$EXTRA_SQL"
  for st in "${stmts[@]}"; do psql "$db_url" -qc "$st"; done
fi
set_db() { psql "$server_url" -qc "ALTER DATABASE $db SET $1" >/dev/null; }
[ "${LOGSTMT:-0}" = 1 ] && set_db "log_min_duration_statement = 0"
if [ -n "${PGSET:-}" ]; then
  IFS=";" read -ra sets <<<"$PGSET"
  for st in "${sets[@]}"; do set_db "$st"; done
fi
if [ "${AUTOEXPLAIN:-0}" = 1 ]; then
  set_db "session_preload_libraries = 'auto_explain'"; set_db "auto_explain.log_min_duration = ${AUTOEXPLAIN_MIN:-0}"
  set_db "auto_explain.log_analyze = on"; set_db "auto_explain.log_buffers = on"
fi
pglog=/var/log/postgresql/postgresql-15-main.log # Debian's cluster logs here
off=0; [ -r "$pglog" ] && off=$(stat -c %s "$pglog")

"${SERVER_BIN:-bin/clipcabinet}" serve --no-migrate 2>"$out/profile-server.log" & pids+=($!)
server_pid=$!
# ready: wait for a server's /readyz; stop if the process ended (its log says why).
ready() {
  until curl -sf "http://$1/readyz" >/dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "the server on $1 stopped: $3" >&2; tail -3 "$3" >&2; exit 1; }
    sleep 0.1
  done
}
ready 127.0.0.1:18188 "$server_pid" "$out/profile-server.log"
if [ "${SERVERS:-1}" = 2 ]; then
  CLIPCABINET_ADDR=127.0.0.1:18190 CLIPCABINET_PPROF_ADDR= "${SERVER_BIN:-bin/clipcabinet}" serve --no-migrate 2>"$out/profile-server2.log" & pids+=($!)
  ready 127.0.0.1:18190 $! "$out/profile-server2.log"
fi
if [ "${PPROF:-0}" = 1 ]; then
  (sleep "${PPROF_DELAY:-1}"; curl -s -o "$out/server.pprof" "http://127.0.0.1:18189/debug/pprof/profile?seconds=${PPROF_SECONDS:-3}") & pids+=($!)
  (sleep "${PPROF_DELAY:-1}"; curl -s -o "$out/allocs.pprof" "http://127.0.0.1:18189/debug/pprof/allocs?seconds=${PPROF_SECONDS:-3}") & pids+=($!)
fi

# PRESEED: a history first, as make bench's drain meets one: PRESEED
# deliveries seeded and drained before the timed backlog is seeded.
if [ "$mode" = drain ] && [ "${PRESEED:-0}" -gt 0 ]; then
  bin/loadgen drain --receiver "$R" --want "${N:-40000}" --settle 0s >/dev/null
  bin/loadgen seed --deliveries "$PRESEED" --url "$R/hook/pre" --receiver "$R" >/dev/null
  bin/loadgen drain --receiver "$R" --want "$((${N:-40000} + PRESEED))" --settle 0s >/dev/null
  curl -sf -X POST "$R/control/reset" >/dev/null
  bin/loadgen seed --deliveries "${N:-40000}" --url "$R/hook/timed" --receiver "$R" --due-in "${DUE_IN:-15s}" --out "$out/seed.kv" >/dev/null
  since="--since $(awk -F= '$1 == "visible" {print $2}' "$out/seed.kv")"
elif [ "${PRESEED:-0}" -gt 0 ]; then
  bin/loadgen seed --deliveries "$PRESEED" --url "$R/hook/pre" --receiver "$R" >/dev/null
  bin/loadgen drain --receiver "$R" --want "$PRESEED" --settle 0s >/dev/null
  curl -sf -X POST "$R/control/reset" >/dev/null
fi
case "${VACUUM:-0}" in 0) ;; 1) psql "$db_url" -qc "VACUUM" >/dev/null ;; *) psql "$db_url" -qc "VACUUM $VACUUM" >/dev/null ;; esac

# CPU ticks per kind of process (postgres, clipcabinet, loadgen), summed.
ticks() {
  for p in /proc/[0-9]*; do
    read -r line <"$p/stat" 2>/dev/null || continue
    name=${line#*(}; name=${name%%)*}; rest=${line##*) }
    set -- $rest
    echo "$name $((${12} + ${13}))"
  done | awk '$1=="postgres"||$1=="clipcabinet"||$1=="loadgen" {s[$1]+=$2} END {for (k in s) print k, s[k]}' | sort
}
[ "${IDLE:-0}" != 0 ] && sleep "$IDLE"
series=(); [ "${SERIES:-0}" = 1 ] && series=(--series "$out/series.txt")
statio() {
  psql "$db_url" -Atc "SELECT relname, heap_blks_read, heap_blks_hit FROM pg_statio_user_tables
    UNION ALL SELECT indexrelname, idx_blks_read, idx_blks_hit FROM pg_statio_user_indexes" | sort
}
[ "${STATIO:-0}" = 1 ] && statio >"$out/statio0"
tuples() {
  psql "$db_url" -Atc "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables" | sort
}
[ "${TUPLES:-0}" = 1 ] && tuples >"$out/tuples0"
sizes() {
  psql "$db_url" -Atc "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" | sort
}
[ "${SIZES:-0}" = 1 ] && sizes >"$out/sizes0"
ticks >"$out/ticks0"; t0=$(date +%s.%N)
if [ "$mode" = drain ]; then
  bin/loadgen drain --receiver "$R" --want "${N:-40000}" --settle 0s ${since:-}
elif [ "$mode" = paced ]; then
  bin/loadgen rate --label paced --api http://127.0.0.1:18188 --token "$CLIPCABINET_API_TOKEN" --receiver "$R" "${series[@]}" \
    --rate "${RATE:-1000}" --users "${USERS:-1}" --concurrency "${CONC:-32}" --duration "${DUR:-20s}"
elif [ "$mode" = fanout ]; then
  bin/loadgen rate --label fanout --api http://127.0.0.1:18188 --token "$CLIPCABINET_API_TOKEN" --receiver "$R" --closed "${series[@]}" \
    --endpoints 20 --events "${EVENTS:-1000}" --concurrency "${CONC:-16}" --duration 60s
else
  bin/loadgen rate --label api --api http://127.0.0.1:18188 --token "$CLIPCABINET_API_TOKEN" --receiver "$R" --closed "${series[@]}" \
    --concurrency "${CONC:-16}" --duration "${DUR:-10s}"
fi
t1=$(date +%s.%N); ticks >"$out/ticks1"
hz=$(getconf CLK_TCK)
join "$out/ticks0" "$out/ticks1" | awk -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" -v hz="$hz" \
  '{printf "cpu: %s %.2f cores, %.2f s\n", $1, ($3 - $2) / hz / t, ($3 - $2) / hz}'
echo "cpu: (a load client that exits before the end is not counted)"
if [ "${STATIO:-0}" = 1 ]; then
  sleep 0.6 # the statistics are sent every 0.5 s at most
  statio >"$out/statio1"
  join -t'|' "$out/statio0" "$out/statio1" | awk -F'|' '$4 - $2 > 0 {printf "read: %8d blocks (%8d hit)  %s\n", $4 - $2, $5 - $3, $1}' | sort -k2 -rn | head -15
fi
if [ "${TUPLES:-0}" = 1 ]; then
  sleep 0.6
  tuples >"$out/tuples1"
  join -t'|' "$out/tuples0" "$out/tuples1" | awk -F'|' '$6 + $7 + $9 > $2 + $3 + $5 {
    printf "rows: %8d inserted %8d updated (%8d HOT) %8d deleted  %s\n", $6 - $2, $7 - $3, $8 - $4, $9 - $5, $1}'
fi
if [ "${SIZES:-0}" = 1 ]; then
  sizes >"$out/sizes1"
  join -t'|' "$out/sizes0" "$out/sizes1" | awk -F'|' '$3 > $2 {printf "size: %10d bytes  %s\n", $3 - $2, $1}' | sort -k2 -rn | head -20
fi
if [ "${METRICS:-0}" = 1 ]; then
  curl -sf -H "Authorization: Bearer $CLIPCABINET_API_TOKEN" http://127.0.0.1:18188/metrics |
    awk '/^clipcabinet_publish_duration_seconds_bucket/ {match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n[le] = $NF}
      /^clipcabinet_publish_duration_seconds_count/ {all = $NF}
      END {printf "server: %d publishes stored; over 25 ms %d, over 50 ms %d, over 100 ms %d, over 250 ms %d\n",
        all, all - n["0.025"], all - n["0.05"], all - n["0.1"], all - n["0.25"]}'
fi
if [ "${RSS:-0}" = 1 ]; then
  # The server's resident size after the load, once idle (make bench's
  # "server RSS after scenarios 1-6"; the heap is given back after an idle
  # 2 s tick: cmd/clipcabinet/memory.go).
  sleep 5
  echo "rss: server $(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status") MiB after 5 s idle"
fi

if [ "${LOGSTMT:-0}" = 1 ] || [ "${AUTOEXPLAIN:-0}" = 1 ] || [ -n "${PGSET:-}" ]; then
  sleep 0.5
  tail -c +$((off + 1)) "$pglog" >"$out/plans.log" || true
fi
if [ "${LOGSTMT:-0}" = 1 ]; then
  grep -h "$db.*duration:" "$out/plans.log" |
    sed -E 's/.*duration: ([0-9.]+) ms +(statement|execute [^:]*|parse [^:]*|bind [^:]*): *(.{0,60}).*/\1\t\2\t\3/' |
    awk -F'\t' '{split($2, a, " "); k = a[1] " | " $3; s[k] += $1; c[k]++}
      END {for (k in s) printf "pg: %10.1f ms %7d  %s\n", s[k], c[k], k}' | sort -k2 -rn | head -12
fi
