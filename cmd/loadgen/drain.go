package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
)

// drain waits until the receiver has seen want unique deliveries and
// reports the rate: from --since (unix ns; when the backlog fell due, see
// seed --due-in) to the last receipt, or from the first receipt without it.
func drain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("drain", flag.ContinueOnError)
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "the loadgen receiver")
	want := fs.Int64("want", 100000, "unique deliveries to wait for")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	settle := fs.Duration("settle", 2*time.Second, "keep watching for duplicates after the last one")
	since := fs.Int64("since", 0, "unix ns the rate is timed from (0: the first receipt)")
	out := fs.String("out", "", "also write the results as key=value lines here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := waitUnique(ctx, *receiverURL, *want, *timeout, *settle)
	if err != nil {
		return err
	}
	from, pickup, pickupMs := s.FirstAt, "", 0.0
	if *since > 0 {
		from, pickupMs = *since, float64(s.FirstAt-*since)/1e6
		pickup = fmt.Sprintf("; first receipt %.0f ms after due", pickupMs)
	}
	r := perSecond(s.Unique, from, s.LastAt)
	fmt.Fprintf(stdout, "drain: %d unique deliveries in %.2fs = %.0f deliveries/s; duplicates %d; invalid signatures %d; "+
		"due→receipt p50 %.0fms p99 %.0fms max %.0fms%s\n",
		s.Unique, float64(s.LastAt-from)/1e9, r, s.Duplicates, s.Invalid, s.P50Ms, s.P99Ms, s.MaxMs, pickup)
	if err := writeResult(*out, "expected", *want, "unique", s.Unique, "rate", r, "lost", *want-s.Unique,
		"duplicates", s.Duplicates, "invalid", s.Invalid, "p50", s.P50Ms, "p99", s.P99Ms, "max", s.MaxMs,
		"pickup_ms", pickupMs); err != nil {
		return err
	}
	if s.Unique < *want {
		return fmt.Errorf("drain: only %d of %d arrived within %s", s.Unique, *want, *timeout)
	}
	return nil
}
