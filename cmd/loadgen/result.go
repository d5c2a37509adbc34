package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// writeResult writes key=value lines (kv alternates keys and values) to
// path, for scripts/bench.sh to build its table from; nothing when path is
// empty. Floats get one decimal.
func writeResult(path string, kv ...any) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case float64:
			fmt.Fprintf(&b, "%s=%.1f\n", kv[i], v)
		default:
			fmt.Fprintf(&b, "%s=%v\n", kv[i], v)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// waitUnique polls the receiver until it has seen want unique deliveries
// or timeout has passed, then watches for settle more (late duplicates),
// and returns its final stats, percentiles included. It is an error only
// when the receiver cannot be read; the caller compares Unique with want.
func waitUnique(ctx context.Context, receiverURL string, want int64, timeout, settle time.Duration) (Stats, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := getCounts(ctx, receiverURL)
		if err != nil {
			return s, err
		}
		if s.Unique >= want || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	time.Sleep(settle)
	return getStats(ctx, receiverURL)
}

// perSecond is n over the time from start to end (unix nanoseconds), 0 when
// that is not positive.
func perSecond(n int64, start, end int64) float64 {
	if end <= start {
		return 0
	}
	return float64(n) / (float64(end-start) / 1e9)
}
