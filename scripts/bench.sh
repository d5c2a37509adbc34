#!/usr/bin/env bash
# make bench: traffic as it comes, end to end (server, receiver and load
# tool in separate processes on loopback), then the lists on a large store
# and the Go micro-benchmarks, as one markdown table.
#
# Scenarios 1-6 run one after another in the life of ONE `clipcabinet
# serve` process (a second one joins for 6), on one database that holds,
# as a production one does, other customers: 20,000 users with an endpoint
# each, analyzed (loadgen customers), never published to:
#   1  cold start, 30 s idle (the server polls an empty queue), then
#      1,000 events/s paced to one endpoint for 20 s (32 clients)
#   2  2,000 events/s paced over 20 endpoints (20 users, one endpoint each,
#      events round-robin; 128 clients), 20 s (60 s with BENCH_FULL=1)
#   3  POST /api/v1/events flat out, 16 clients closed loop, 10 s
#   -  the ceiling: raw signed POSTs straight to the receiver (loadgen raw)
#   4  fan-out: one user with 20 endpoints, 1,000 events → 20,000 deliveries
#   -  the ceiling again
#   5  a backlog of 100,000 drained
#   -  the ceiling again
#   6  a second server process on the same database; another backlog of the
#      same size drained by both
#   -  the ceiling again
# Each row: deliveries, rate, publish→receipt latency, lost, duplicates and
# invalid signatures, CPU of the server and of PostgreSQL per 1,000
# deliveries and WAL per delivery (loadgen usage, before and after the
# phase), and for the drains (4-6) the ratio to the ceiling (the issue's
# target: ≥ 0.4 × the raw rate): to the higher of the two ceiling runs
# around the drain (this machine's speed drifts by a third within one
# run), and in its notes to the highest of the run. A phase that fails
# says "failed" in its row and the script exits non-zero at the end.
#
# Needs bin/ built and TEST_DATABASE_URL (the Makefile provides both).
# BENCH_PPROF=1 saves a CPU profile of server A during each backlog drain
# (bench-out/p5.pprof, p6.pprof).
# SERVER_BIN measures another server binary with the same load (e.g. one
# built from an earlier commit, for a before/after table) [bin/clipcabinet].
set -euo pipefail
server_bin="${SERVER_BIN:-bin/clipcabinet}"
full="${BENCH_FULL:-0}"
backlog_n=100000 # 4-5 min in all by default here; BENCH_FULL=1 lengthens scenario 2 and the lists
if [ "$full" = 1 ]; then
  paced2_s=60s lists_n=1000000
else
  paced2_s=20s lists_n=200000
fi
raw_n=100000 raw_conc=${RAW_CONC:-64} # 64: the server's default cap of attempts in flight per endpoint
out="bench-out"; mkdir -p "$out"
rm -f "$out"/*.kv "$out"/*.snap "$out"/*.failed "$out"/*.txt "$out"/*.json
server_url="${TEST_DATABASE_URL:?}"
db="clipcabinet_bench_$$"
db_url="${server_url%%\?*}"; db_url="${db_url%/*}/$db?sslmode=disable"
lists_db="clipcabinet_bench_lists_$$" # the lists step's large store, apart from the rest
lists_url="${db_url%/*}/$lists_db?sslmode=disable"
# free_ports N: N distinct loopback ports nothing listens on, below the
# ephemeral range. The machine is shared: a fixed port may be in use by
# someone else's server, and a server of ours that cannot listen, or a
# readiness check answered by another process, fails a phase for nothing.
free_ports() {
  local p taken=" "
  while [ "$(wc -w <<<"$taken")" -lt "$1" ]; do
    p=$((20000 + RANDOM % 12000))
    [[ $taken == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    taken+="$p "
  done
  echo $taken
}
read -r recv_port port_a port_b port_l port_p <<<"$(free_ports 5)"
addr_a="127.0.0.1:$port_a"; addr_b="127.0.0.1:$port_b"; addr_l="127.0.0.1:$port_l"
api="http://$addr_a"
R="http://127.0.0.1:$recv_port"
pids=()
created=()

# descendants PID: every process below PID, deepest first.
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$c"
    echo "$c"
  done
}
# cleanup ends every process this script started (phases run in subshells,
# so their children are found as descendants) and drops the databases it
# created, only those.
cleanup() {
  local all
  all=$( (descendants $$; printf '%s\n' "${pids[@]}") | sort -u)
  for p in $all; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${created[@]}"; do
    psql "$server_url" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DATABASE_URL="$db_url"
export CLIPCABINET_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') # the server wants 32 characters or more
export CLIPCABINET_API_TOKEN="$token"
export CLIPCABINET_ALLOW_PRIVATE_TARGETS=true
export CLIPCABINET_LOG_LEVEL=error
unset CLIPCABINET_METRICS_ADDR # /metrics on each server's own address, for the per-process counts

# phase NAME FUNCTION: runs FUNCTION in a subshell with set -e, so a failing
# step ends that phase only (it is marked failed) and the run goes on.
# (Not inside `if`: bash ignores set -e in a condition's subshell.) The
# subshell runs in the background and is waited for, so that a signal to
# this script runs its trap at once, not when the phase is over.
phase() {
  local name=$1 rc
  echo "bench: $name" >&2
  set +e
  ( set -e; "$2" ) &
  wait $!
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "bench: $name failed (exit $rc)" >&2
    : >"$out/$name.failed"
  fi
}
# kv FILE KEY: a value from a key=value file written by loadgen (FILE
# without .kv, in $out); empty when it is not there.
kv() { awk -F= -v k="$2" '$1 == k {print $2}' "$out/$1.kv" 2>/dev/null || true; }
# ready ADDR PID LOG: wait until the server answers /readyz, 60 s at most;
# if it does not, its goroutines are dumped into LOG (SIGQUIT) to say why.
ready() {
  local last=""
  for _ in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || { echo "bench: server $1 exited; see $3" >&2; return 1; }
    last=$(curl -s --max-time 5 -w ' HTTP %{http_code}' "http://$1/readyz" 2>&1) && [[ $last == *' HTTP 200' ]] && return 0
    sleep 0.1
  done
  echo "bench: server $1 not ready after 60 s (last /readyz: ${last:-no answer}); its goroutines are in $3" >&2
  kill -QUIT "$2" 2>/dev/null || true
  return 1
}
alive() { kill -0 "$server" 2>/dev/null || { echo "bench: the server is gone" >&2; return 1; }; }
# snap NAME / cost NAME: the servers' and PostgreSQL's CPU and the WAL,
# before and after a phase (loadgen usage), per delivery of NAME.kv.
snap() { bin/loadgen usage --pid "$spids" >"$out/$1.snap"; }
cost() { bin/loadgen usage --pid "$spids" --since "$out/$1.snap" --deliveries "${2:-$(kv "$1" unique)}" --out "$out/$1.cost.kv" >&2; }
# clean NAME: nothing lost, nothing sent twice (no process dies here, so
# at-least-once never needs to repeat one) and every signature valid, or
# the phase fails; its row keeps what it measured.
clean() {
  local l d i
  l=$(kv "$1" lost) d=$(kv "$1" duplicates) i=$(kv "$1" invalid)
  [ "${l:-?}" = 0 ] && [ "${d:-?}" = 0 ] && [ "${i:-?}" = 0 ] && return 0
  echo "bench: $1: lost ${l:-?}, duplicates ${d:-?}, invalid signatures ${i:-?}" >&2
  return 1
}
reset_receiver() { curl -sf -X POST "$R/control/reset" >/dev/null; }
# attempts ADDR: the attempts one server process made, from its /metrics.
attempts() {
  curl -sf -H "Authorization: Bearer $token" "http://$1/metrics" |
    awk '/^clipcabinet_attempts_total[{ ]/ {s += $NF} END {printf "%d\n", s}'
}
rate() { bin/loadgen rate --api "$api" --token "$token" --receiver "$R" --label "$1" --out "$out/$1.kv" --series "$out/$1.series" "${@:2}" >&2; }
# A backlog falls due lead seconds after its seed starts, when the seed has
# committed (one transaction) and analyzed: the server meets all of it at
# once, and the seeding is outside the measured window. Seeding took 1.4 s
# for 30,000 and 7.5 s for 100,000 here; the lead leaves room for a busy
# machine (if it is too short, seed says so and the drain is timed from
# the commit).
lead="$((backlog_n / 8000 + 3))s"
drain_timeout="$((backlog_n / 500 + 60))s"
# backlog NAME: seed a backlog for the running server(s), time its drain.
backlog() {
  reset_receiver
  bin/loadgen seed --deliveries "$backlog_n" --url "$R/hook/$1-$$" --receiver "$R" --due-in "$lead" --out "$out/$1.seed.kv" >&2
  snap "$1"
  if [ -n "${pprof_addr:-}" ]; then
    # BENCH_PPROF=1: 4 s of server A's CPU from 1 s after the backlog falls due.
    (sleep "$(awk -v v="$(kv "$1.seed" visible)" -v n="$(date +%s%N)" 'BEGIN {d = (v - n) / 1e9 + 1; print (d > 0) ? d : 0}')"
     curl -s -o "$out/$1.pprof" "http://$pprof_addr/debug/pprof/profile?seconds=4") &
  fi
  bin/loadgen drain --receiver "$R" --want "$backlog_n" --since "$(kv "$1.seed" visible)" --timeout "$drain_timeout" --out "$out/$1.kv" >&2
  cost "$1"
}

created+=("$db" "$lists_db")
setup() {
  psql "$server_url" -qc "CREATE DATABASE $db" >/dev/null
  "$server_bin" migrate up >/dev/null
  bin/loadgen customers --n "${BENCH_CUSTOMERS:-20000}" >/dev/null
}
phase setup setup
if [ ! -e "$out/setup.failed" ]; then
  bin/loadgen receive --addr "127.0.0.1:$recv_port" 2>"$out/receiver.log" & pids+=($!)
  for _ in $(seq 1 50); do curl -sf "$R/stats" >/dev/null && break; sleep 0.1; done
  # The one server of scenarios 1-6, started cold.
  t0=$(date +%s%N)
  pprof_addr=""; [ "${BENCH_PPROF:-0}" = 1 ] && pprof_addr="127.0.0.1:$port_p"
  CLIPCABINET_ADDR="$addr_a" CLIPCABINET_PPROF_ADDR="$pprof_addr" "$server_bin" serve --no-migrate 2>"$out/server.log" & server=$!; pids+=($server)
  spids="$server"
  if ready "$addr_a" "$server" "$out/server.log"; then
    echo "ready_ms=$((($(date +%s%N) - t0) / 1000000))" >"$out/start.kv"
  fi
fi

p1() {
  alive
  snap p1idle
  sleep 30
  cost p1idle 0
  snap p1
  rate p1 --rate 1000 --duration 20s --concurrency 32
  cost p1
  clean p1
}
p2() { alive; snap p2; rate p2 --users 20 --rate 2000 --duration "$paced2_s" --concurrency 128; cost p2; clean p2; }
p3() { alive; snap p3; rate p3 --closed --concurrency 16 --duration 10s; cost p3; clean p3; }
raw() { bin/loadgen raw --receiver "$R" --n "$raw_n" --concurrency "$raw_conc" --out "$out/$1.kv" >&2; }
raw1() { raw raw1; }
raw_a() { raw raw_a; }
raw_b() { raw raw_b; }
raw2() { raw raw2; }
p4() { alive; snap p4; rate p4 --endpoints 20 --events 1000 --closed --concurrency 16 --duration 60s; cost p4; clean p4; }
p5() { alive; backlog p5; clean p5; }
# Scale-out: the second process joins the first on the one database. Each
# process's share is the change of its own clipcabinet_attempts_total over
# the drain; a delivery sent by both shows as a duplicate at the receiver.
p6() {
  alive
  ready "$addr_b" "$server_b" "$out/server-b.log"
  local a0 b0
  a0=$(attempts "$addr_a"); b0=$(attempts "$addr_b")
  backlog p6
  echo "share_a=$(($(attempts "$addr_a") - a0))" >>"$out/p6.kv"
  echo "share_b=$(($(attempts "$addr_b") - b0))" >>"$out/p6.kv"
  clean p6
}
rss_kb=0
if [ ! -e "$out/setup.failed" ]; then
  phase p1 p1
  phase p2 p2
  phase p3 p3
  phase raw1 raw1
  phase p4 p4
  phase raw_a raw_a
  phase p5 p5
  phase raw_b raw_b
  CLIPCABINET_ADDR="$addr_b" "$server_bin" serve --no-migrate 2>"$out/server-b.log" & server_b=$!; pids+=($server_b)
  spids="$server,$server_b"
  phase p6 p6
  phase raw2 raw2
  # Idle RSS: the server gives its grown heap back on the first idle 2 s
  # tick after a burst (cmd/clipcabinet/memory.go), which raw2's few
  # seconds may or may not have held; 5 s more of idle make sure.
  sleep 5
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
  kill "$server" "$server_b" 2>/dev/null || true
  wait "$server" "$server_b" 2>/dev/null || true
fi

# Lists on a large store: the API's delivery lists, the drawer and the
# admin's lists, timed as real HTTP requests (loadgen lists), on a fresh
# database seeded with lists_n deliveries over 30 days, with its own server.
# First on an idle server, then while loadgen rate publishes 1,000 events/s
# to it (one endpoint at the receiver). The seeded endpoints point at the
# receiver too, but their secrets are not given to it; none of their
# deliveries is due during the run (the retrying ones are due an hour or
# more later).
lists() {
  psql "$server_url" -qc "CREATE DATABASE $lists_db" >/dev/null
  DATABASE_URL="$lists_url" "$server_bin" migrate up >/dev/null
  DATABASE_URL="$lists_url" bin/loadgen lists --seed --deliveries "$lists_n" --url "$R/hook" >&2
  DATABASE_URL="$lists_url" CLIPCABINET_ADDR="$addr_l" "$server_bin" serve --no-migrate 2>"$out/server-lists.log" &
  local server_l=$! rate_pid
  ready "$addr_l" "$server_l" "$out/server-lists.log"
  bin/loadgen lists --api "http://$addr_l" --token "$token" >"$out/lists-idle.txt"
  # The load runs until the measurement under it is done (its --duration is
  # only a bound); what it achieved is read from the receiver, which the
  # rate run reset when it started: deliveries received per second and
  # publish→receipt p99 over the measurement.
  bin/loadgen rate --label lists-load --api "http://$addr_l" --token "$token" --receiver "$R" --rate 1000 --duration 600s >/dev/null 2>"$out/lists-rate.log" &
  rate_pid=$!
  sleep 2
  bin/loadgen lists --api "http://$addr_l" --token "$token" >"$out/lists-busy.txt"
  curl -sf "$R/stats" >"$out/lists-load.json"
  kill "$rate_pid" "$server_l"; wait "$rate_pid" "$server_l" 2>/dev/null || true
}
[ -e "$out/setup.failed" ] || phase lists lists

micro() {
  go test -run '^$' -bench . -benchmem -benchtime 1s ./internal/webhook/ ./internal/store/ >"$out/micro.log" 2>&1 || true
  grep -E '^(Benchmark|ok|FAIL)' "$out/micro.log" >"$out/micro.txt" || true
  ! grep -q '^FAIL' "$out/micro.txt"
}
phase micro micro

# ---- the table ----
# Printed whatever happened above: nothing in it stops the script.
set +e
failed() { [ -e "$out/$1.failed" ] || [ ! -s "$out/$1.kv" ]; }
# num VALUE [DECIMALS]: 1234.56 → 1,235 (or 1,234.6 with 1); "—" when empty.
num() {
  awk -v v="$1" -v d="${2:-0}" 'BEGIN {
    if (v == "") { print "—"; exit }
    s = sprintf("%." d "f", v); neg = (s ~ /^-/); sub(/^-/, "", s)
    i = s; f = ""; if (d > 0) { i = substr(s, 1, index(s, ".") - 1); f = substr(s, index(s, ".")) }
    while (length(i) > 3) { f = "," substr(i, length(i) - 2) f; i = substr(i, 1, length(i) - 3) }
    print (neg ? "-" : "") i f
  }'
}
# failed_row NUM SCENARIO TARGET [NOTE]: the row of a phase that measured nothing.
failed_row() { echo "| $1 | $2 | failed | — | — | — | — | — | — | — | $3 | **failed**${4:+: $4} |"; }
# maxrate NAME...: the highest rate of the named ceiling runs that measured one.
maxrate() {
  local r m=""
  for n in "$@"; do
    r=$(kv "$n" rate)
    if [ -n "$r" ]; then m=$(awk -v a="$m" -v b="$r" 'BEGIN {print (a == "" || b > a) ? b : a}'); fi
  done
  echo "$m"
}
ceiling=$(maxrate raw1 raw_a raw_b raw2)
# The ceiling each drain is compared with: the higher of the runs just
# before and just after it.
ceiling_p4=$(maxrate raw1 raw_a)
ceiling_p5=$(maxrate raw_a raw_b)
ceiling_p6=$(maxrate raw_b raw2)
# row NUM NAME SCENARIO TARGET NOTES [ratio]: one scenario's row from
# NAME.kv and NAME.cost.kv; "failed" when the phase failed (with what it
# measured, if anything: a drain that lost deliveries says how many).
row() {
  local n=$1 name=$2 what=$3 target=$4 notes=$5 ratio="—"
  if [ ! -s "$out/$name.kv" ]; then
    failed_row "$n" "$what" "$target" "see stderr and $out/"
    return
  fi
  local near="ceiling_$name"
  if [ "${6:-}" = ratio ] && [ -n "${!near}" ]; then
    ratio=$(awk -v r="$(kv "$name" rate)" -v c="${!near}" 'BEGIN {printf "%.2f", r / c}')
    notes="$notes; against the ceiling around it $(num "${!near}")/s, against the run's highest $(awk -v r="$(kv "$name" rate)" -v c="$ceiling" 'BEGIN {printf "%.2f", r / c}')"
  fi
  if [ -e "$out/$name.failed" ]; then notes="**failed**: see stderr; $notes"; fi
  echo "| $n | $what | $(num "$(kv "$name" unique)") | $(num "$(kv "$name" rate)") | $ratio" \
    "| $(num "$(kv "$name" p50)" 1) / $(num "$(kv "$name" p99)" 1) / $(num "$(kv "$name" max)")" \
    "| $(kv "$name" lost) / $(kv "$name" duplicates) / $(kv "$name" invalid)" \
    "| $(num "$(kv "$name.cost" server_ms_per_1k)") | $(num "$(kv "$name.cost" pg_ms_per_1k)") | $(num "$(kv "$name.cost" wal_per_delivery)")" \
    "| $target | $notes |"
}
published() { echo "published $(num "$(kv "$1" publish_rate)") events/s (errors $(kv "$1" errors)), API p50 $(kv "$1" api_p50) ms p99 $(kv "$1" api_p99) ms$(early "$1")"; }
# early NAME: how many of the phase's slowest 1 % of publishes (by API
# latency, from its --series) were sent in its first second: where a p99
# comes from, a start-up or the whole run.
early() {
  [ -s "$out/$1.series" ] || return 0
  local n; n=$(($(wc -l <"$out/$1.series") / 100))
  [ "$n" -gt 0 ] || return 0
  sort -k2 -gr "$out/$1.series" | head -n "$n" | awk -v n="$n" '$1 < 1000 {k++} END {printf "; of its slowest %d publishes, %d in the first second", n, k}'
}
backlog_label=$(num "$backlog_n")
echo
echo "| # | scenario | deliveries | rate /s | × raw | publish→receipt p50 / p99 / max ms | lost / dups / invalid sig | server CPU ms per 1,000 | PostgreSQL CPU ms per 1,000 | WAL bytes per delivery | target | notes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
raw_what="ceiling: $(num "$raw_n") signed POSTs straight to the receiver, $raw_conc clients"
if [ -z "$ceiling" ]; then
  failed_row raw "$raw_what" ""
else
  echo "| raw | $raw_what | $(num "$raw_n") | $(num "$ceiling") | 1 | — | — | — | — | — | | before the fan-out $(num "$(kv raw1 rate)")/s, before the drain $(num "$(kv raw_a rate)")/s, before the two processes $(num "$(kv raw_b rate)")/s, after them $(num "$(kv raw2 rate)")/s; the highest is shown, each drain is compared with the higher of the two around it |"
fi
if failed p1idle.cost; then
  failed_row 1 "cold start, 30 s idle (empty queue)" ""
else
  echo "| 1 | cold start, 30 s idle (empty queue) | 0 | — | — | — | — | — | — | — | | ready $(kv start ready_ms) ms after start; idle: server $(kv p1idle.cost server_ms_per_s) ms CPU/s, PostgreSQL $(kv p1idle.cost pg_ms_per_s) ms CPU/s, WAL $(num "$(kv p1idle.cost wal_per_s)") B/s |"
fi
row 1 p1 "then 1,000 events/s paced, one endpoint, 20 s, 32 clients" "p99 ≤ 50 ms, none lost or twice" "$(published p1)"
row 2 p2 "2,000 events/s paced over 20 endpoints (20 users), ${paced2_s%s} s, 128 clients" "p99 ≤ 50 ms, none lost or twice" "$(published p2)"
row 3 p3 "POST /api/v1/events, 16 clients closed loop, 10 s" "≥ 3,500 events/s, API p99 ≤ 15 ms" "**$(published p3)**"
row 4 p4 "fan-out: 1,000 events × 20 endpoints of one user" "≥ 0.4 × raw" "rate from the first publish to the last receipt; $(published p4)" ratio
row 5 p5 "backlog drain, $backlog_label × 1 KiB" "≥ 0.4 × raw" "due all at once; rate from due to the last receipt (first receipt $(kv p5 pickup_ms) ms after due); latency from due" ratio
row 6 p6 "two server processes, backlog $backlog_label × 1 KiB" "≥ 0.4 × raw, none twice" "process A $(num "$(kv p6 share_a)"), B $(num "$(kv p6 share_b)") attempts; first receipt $(kv p6 pickup_ms) ms after due; CPU of both servers" ratio
echo "| | server RSS after scenarios 1-6 and 5 s idle | | | | | | | | | ≤ 50 MiB idle | $( ((rss_kb > 0)) && echo "$((rss_kb / 1024)) MiB" || echo —) |"
# worst_p99 FILE TARGET: the slowest query type's p99 and how many are over TARGET ms.
worst_p99() {
  awk -v t="$2" '/^lists: .* p99 [0-9.]+ ms \([0-9]+\)$/ {
    name = $0; sub(/^lists: /, "", name); sub(/ p50 .*/, "", name)
    p = $(NF - 2) + 0; n++
    if (p > t) over++
    if (p > w) { w = p; wn = name }
  } END { printf "worst p99 %.1f ms (%s); %d of %d query types over %d ms", w, wn, over, n, t }' "$1"
}
lists_label=$(num "$lists_n")
lists_row() { # lists_row NUM LABEL TARGET FILE LIMIT [MORE]
  if [ -s "$out/$4" ]; then
    echo "| $1 | lists on $lists_label deliveries, $2 | | | | | | | | | $3 | $(worst_p99 "$out/$4" "$5")${6:+; $6} |"
  else
    failed_row "$1" "lists on $lists_label deliveries, $2" "$3"
  fi
}
load_line=""
if [ -s "$out/lists-load.json" ]; then
  load_line=$(sed -E 's/.*"unique":([0-9]+).*"firstAtUnixNano":([0-9]+),"lastAtUnixNano":([0-9]+),"p50Ms":[0-9.]+,"p99Ms":([0-9.]+).*/\1 \2 \3 \4/' "$out/lists-load.json" |
    awk '{printf "load: %d deliveries received at %.0f/s, publish→receipt p99 %.1f ms", $1, ($3 > $2) ? $1 / (($3 - $2) / 1e9) : 0, $4}')
fi
lists_row L1 "idle server" "p99 ≤ 20 ms" lists-idle.txt 20
lists_row L2 "while dispatching 1,000/s" "p99 ≤ 50 ms" lists-busy.txt 50 "$load_line"
awk '/^Benchmark/ {printf "| go | %s | | | | | | | | | |", $1; for (i = 3; i <= NF; i++) printf " %s", $i; print " |"}' "$out/micro.txt" 2>/dev/null
[ -e "$out/micro.failed" ] && failed_row go micro-benchmarks "" "see $out/micro.log"


shopt -s nullglob
bad=("$out"/*.failed)
if [ "${#bad[@]}" -gt 0 ]; then
  echo "bench: failed phases: $(basename -s .failed "${bad[@]}" | tr '\n' ' ')" >&2
  exit 1
fi
