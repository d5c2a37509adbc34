package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
)

// drain waits until the receiver has seen want unique deliveries and
// reports the rate between the first and the last receipt.
func drain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("drain", flag.ContinueOnError)
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "the loadgen receiver")
	want := fs.Int64("want", 100000, "unique deliveries to wait for")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	settle := fs.Duration("settle", 2*time.Second, "keep watching for duplicates after the last one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	deadline := time.Now().Add(*timeout)
	var s Stats
	var err error
	for {
		if s, err = getStats(ctx, *receiverURL); err != nil {
			return err
		}
		if s.Unique >= *want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("drain: only %d of %d arrived within %s", s.Unique, *want, *timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(*settle)
	if s, err = getStats(ctx, *receiverURL); err != nil {
		return err
	}
	secs := float64(s.LastAt-s.FirstAt) / 1e9
	fmt.Fprintf(stdout, "drain: %d unique deliveries in %.2fs = %.0f deliveries/s; duplicates %d; invalid signatures %d\n",
		s.Unique, secs, float64(s.Unique)/secs, s.Duplicates, s.Invalid)
	return nil
}
