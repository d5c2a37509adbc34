package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rate publishes recording.completed events through the API, open loop at
// --rate per second (latency measured from each request's due time) or
// closed loop with --closed (each of --concurrency clients sends as fast as
// it can), then waits for the receiver to see every delivery and reports
// the API's and the end-to-end latencies.
func rate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rate", flag.ContinueOnError)
	api := fs.String("api", "http://127.0.0.1:8080", "the service")
	token := fs.String("token", "", "API token")
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "the loadgen receiver")
	perSec := fs.Float64("rate", 1000, "events per second (open loop)")
	closed := fs.Bool("closed", false, "closed loop: --concurrency clients back to back")
	conc := fs.Int("concurrency", 64, "most requests in flight")
	dur := fs.Duration("duration", 10*time.Second, "how long to publish")
	size := fs.Int("body", 1024, "approximate body size")
	label := fs.String("label", "rate", "name printed with the results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}, Timeout: 30 * time.Second}
	call := func(method, path string, body any, out any) error {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, *api+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
	var user struct{ ID string }
	if err := call("POST", "/api/v1/users", map[string]string{"email": fmt.Sprintf("load%d@example.com", time.Now().UnixNano())}, &user); err != nil {
		return err
	}
	var ep struct{ Secret string }
	if err := call("POST", "/api/v1/users/"+user.ID+"/endpoints", map[string]any{
		"url": strings.TrimSuffix(*receiverURL, "/") + "/hook", "events": []string{"recording.completed"},
	}, &ep); err != nil {
		return err
	}
	if _, err := http.Post(*receiverURL+"/control/reset", "text/plain", nil); err != nil {
		return err
	}
	if _, err := http.Post(*receiverURL+"/control/secret", "text/plain", strings.NewReader(ep.Secret)); err != nil {
		return err
	}

	var (
		mu        sync.Mutex
		apiLat    []float64
		failures  atomic.Int64
		published atomic.Int64
		wg        sync.WaitGroup
	)
	publish := func(due time.Time) {
		body := map[string]any{"event": "recording.completed", "data": loadData(user.ID, due.UnixNano(), *size)}
		err := call("POST", "/api/v1/events", body, nil)
		lat := float64(time.Since(due).Microseconds()) / 1000
		if err != nil {
			failures.Add(1)
			return
		}
		published.Add(1)
		mu.Lock()
		apiLat = append(apiLat, lat)
		mu.Unlock()
	}
	start := time.Now()
	end := start.Add(*dur)
	if *closed {
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) && ctx.Err() == nil {
					publish(time.Now())
				}
			}()
		}
	} else {
		dues := make(chan time.Time, *conc)
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for due := range dues {
					publish(due)
				}
			}()
		}
		interval := time.Duration(float64(time.Second) / *perSec)
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if !due.Before(end) || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Until(due))
			dues <- due // blocks when --concurrency are in flight; the due time keeps counting
		}
		close(dues)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	n := published.Load()

	// Wait for every published event to arrive.
	var s Stats
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		if s, err = getStats(ctx, *receiverURL); err != nil {
			return err
		}
		if s.Unique >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	s, _ = getStats(ctx, *receiverURL)
	slices.Sort(apiLat)
	var p50, p99 float64
	if len(apiLat) > 0 {
		p50, p99 = pct(apiLat, 0.5), pct(apiLat, 0.99)
	}
	fmt.Fprintf(stdout, "%s: published %d in %.1fs = %.0f events/s (errors %d); API p50 %.1fms p99 %.1fms; "+
		"publish→receipt p50 %.1fms p99 %.1fms max %.1fms; received %d, lost %d, duplicates %d, invalid %d\n",
		*label, n, elapsed, float64(n)/elapsed, failures.Load(), p50, p99, s.P50Ms, s.P99Ms, s.MaxMs,
		s.Unique, n-s.Unique, s.Duplicates, s.Invalid)
	return nil
}
