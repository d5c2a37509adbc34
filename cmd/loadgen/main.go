// Command loadgen measures the service end to end: a verifying receiver in
// its own process, a backlog seeder, a drain timer, an open- or
// closed-loop publisher, the raw rate of signed POSTs to the receiver (the
// ceiling a drain is compared with) and the CPU and WAL a phase cost. Every latency is measured from when a request was
// due, not when it was sent, so a slow server cannot hide its delays
// (no coordinated omission).
//
//	loadgen receive --addr 127.0.0.1:9100
//	loadgen seed    --db URL --deliveries 100000 --body 1024 --url http://127.0.0.1:9100/hook
//	loadgen drain   --receiver http://127.0.0.1:9100 --want 100000
//	loadgen rate    --api http://127.0.0.1:8080 --token T --rate 2000 --duration 60s --users 20
//	loadgen raw     --receiver http://127.0.0.1:9100 --n 50000 --concurrency 64
//	loadgen usage   --db URL --pid P [--since snapshot.json --deliveries N]
//	loadgen lists   --seed --db URL --deliveries 1000000 --api http://127.0.0.1:8080 --token T
//	loadgen customers --db URL --n 20000
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: loadgen receive|seed|drain|rate|raw|usage|lists|customers [flags]")
	}
	switch args[0] {
	case "receive":
		return receive(ctx, args[1:], stderr)
	case "seed":
		return seed(ctx, args[1:], stdout)
	case "drain":
		return drain(ctx, args[1:], stdout)
	case "rate":
		return rate(ctx, args[1:], stdout)
	case "raw":
		return raw(ctx, args[1:], stdout)
	case "usage":
		return usage(ctx, args[1:], stdout)
	case "lists":
		return lists(ctx, args[1:], stdout)
	case "customers":
		return customers(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
