package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// usageSnap is what one usage snapshot holds: CPU ticks per process and
// the WAL position.
type usageSnap struct {
	At     int64           `json:"at"`     // unix ns
	WAL    int64           `json:"wal"`    // bytes since 0/0
	Server map[int]float64 `json:"server"` // pid → CPU ms (utime+stime)
	PG     map[int]float64 `json:"pg"`     // pid → CPU ms
}

// usage measures what a load phase cost: the CPU of the server processes
// (--pid) and of PostgreSQL, and the WAL written.
//
//	loadgen usage --pid P[,P2] > before.json            a snapshot
//	loadgen usage --pid P[,P2] --since before.json --deliveries N [--out F]
//
// The second form prints the use since the snapshot: CPU ms of the servers
// and of PostgreSQL per 1,000 deliveries, WAL bytes per delivery (per
// second as well, which is what an idle phase has).
//
// PostgreSQL's CPU is the utime+stime, from /proc, of the backends of this
// database (current_database() of --db) and of the cluster's shared
// processes (checkpointer, WAL writer, background writer, launchers: those
// without a database), not of every child of the postmaster: the server is
// shared, and other databases' backends are other people's work. A process
// that appeared during the phase counts from zero; one that exited during
// it is lost, so connections must live through a phase (the server's pgx
// pool keeps its connections; this command's own is left out). The WAL is
// pg_current_wal_lsn() before and after, which is the whole cluster's.
func usage(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL")
	pidList := fs.String("pid", "", "server process ids, comma-separated")
	since := fs.String("since", "", "a snapshot file: print the use since it")
	deliveries := fs.Int64("deliveries", 0, "deliveries made since the snapshot")
	out := fs.String("out", "", "also write the use as key=value lines here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var pids []int
	for f := range strings.SplitSeq(*pidList, ",") {
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("usage: --pid: %w", err)
		}
		pids = append(pids, p)
	}
	now, err := usageSnapshot(ctx, *dbURL, pids)
	if err != nil {
		return err
	}
	if *since == "" {
		return json.NewEncoder(stdout).Encode(now)
	}
	var before usageSnap
	b, err := os.ReadFile(*since)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &before); err != nil {
		return fmt.Errorf("usage: %s: %w", *since, err)
	}
	secs := float64(now.At-before.At) / 1e9
	serverMs, pgMs, wal := used(before.Server, now.Server), used(before.PG, now.PG), now.WAL-before.WAL
	per := func(v, n float64) float64 {
		if n <= 0 {
			return 0
		}
		return v / n
	}
	k := float64(*deliveries) / 1000
	fmt.Fprintf(stdout, "usage: %.1fs, %d deliveries: server %.0f ms CPU (%.0f per 1,000), PostgreSQL %.0f ms (%.0f per 1,000), WAL %d bytes (%.0f per delivery)\n",
		secs, *deliveries, serverMs, per(serverMs, k), pgMs, per(pgMs, k), wal, per(float64(wal), float64(*deliveries)))
	return writeResult(*out, "seconds", secs, "deliveries", *deliveries,
		"server_ms", serverMs, "pg_ms", pgMs, "wal_bytes", wal,
		"server_ms_per_1k", per(serverMs, k), "pg_ms_per_1k", per(pgMs, k), "wal_per_delivery", per(float64(wal), float64(*deliveries)),
		"server_ms_per_s", per(serverMs, secs), "pg_ms_per_s", per(pgMs, secs), "wal_per_s", per(float64(wal), secs))
}

// used is the CPU ms the processes of after used since before; a process
// not in before started since.
func used(before, after map[int]float64) float64 {
	var sum float64
	for pid, ms := range after {
		sum += ms - before[pid]
	}
	return sum
}

func usageSnapshot(ctx context.Context, dbURL string, serverPids []int) (usageSnap, error) {
	s := usageSnap{Server: map[int]float64{}, PG: map[int]float64{}}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dbURL)
	if err != nil {
		return s, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(cctx, `SELECT pid FROM pg_stat_activity
		WHERE (datname = current_database() OR datname IS NULL) AND pid <> pg_backend_pid()`)
	if err != nil {
		return s, err
	}
	pgPids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s, err
	}
	if err := conn.QueryRow(cctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&s.WAL); err != nil {
		return s, err
	}
	s.At = time.Now().UnixNano()
	for _, p := range pgPids {
		if ms, ok := cpuMs(int(p)); ok {
			s.PG[int(p)] = ms
		}
	}
	for _, p := range serverPids {
		ms, ok := cpuMs(p)
		if !ok {
			return s, fmt.Errorf("usage: no process %d", p)
		}
		s.Server[p] = ms
	}
	return s, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// cpuMs is the user+system CPU time of process pid in ms, from
// /proc/PID/stat (fields 14 and 15); false when there is no such process.
func cpuMs(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(ut+st) * 1000 / clockTicks, true
}
