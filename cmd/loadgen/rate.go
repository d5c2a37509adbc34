package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rate publishes recording.completed events through the API, open loop at
// --rate per second (latency measured from each request's due time) or
// closed loop with --closed (each of --concurrency clients sends as fast as
// it can), for --duration or until --events have been published, then
// waits for the receiver to see every delivery and reports the API's and
// the end-to-end latencies.
//
// It makes --users users with --endpoints endpoints each, all at the
// receiver (each on its own path, /hook/<user>-<n>, so the receiver checks
// one signature per request), and tells the receiver their secrets. Events
// go round-robin over the users, and each is delivered to all of its
// user's endpoints: --users 20 spreads the load over 20 endpoints,
// --endpoints 20 fans every event out 20 times.
func rate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rate", flag.ContinueOnError)
	api := fs.String("api", "http://127.0.0.1:8080", "the service")
	token := fs.String("token", "", "API token")
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "the loadgen receiver")
	perSec := fs.Float64("rate", 1000, "events per second (open loop)")
	closed := fs.Bool("closed", false, "closed loop: --concurrency clients back to back")
	conc := fs.Int("concurrency", 64, "most requests in flight")
	dur := fs.Duration("duration", 10*time.Second, "how long to publish at most")
	maxEvents := fs.Int64("events", 0, "stop after this many events (0: only --duration bounds the run)")
	users := fs.Int("users", 1, "users, each with --endpoints endpoints; events go round-robin over them")
	perUser := fs.Int("endpoints", 1, "endpoints per user; each event is delivered to every one of its user's")
	size := fs.Int("body", 1024, "approximate body size")
	wait := fs.Duration("wait", 60*time.Second, "how long to wait for the deliveries after publishing")
	label := fs.String("label", "rate", "name printed with the results")
	out := fs.String("out", "", "also write the results as key=value lines here")
	series := fs.String("series", "", "also write each publish's start (ms from the first) and API latency (ms) here, one per line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *users < 1 || *perUser < 1 {
		return fmt.Errorf("rate: --users and --endpoints must be at least 1")
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
	userIDs, secrets, err := rateAccounts(call, *receiverURL, *users, *perUser)
	if err != nil {
		return err
	}
	if err := receiverPost(*receiverURL+"/control/reset", ""); err != nil {
		return err
	}
	for _, s := range secrets {
		if err := receiverPost(*receiverURL+"/control/secret", s); err != nil {
			return err
		}
	}

	var (
		mu        sync.Mutex
		apiLat    []float64
		points    [][2]float64 // --series: start offset, latency
		failures  atomic.Int64
		published atomic.Int64
		seq       atomic.Int64 // events started, for the round-robin and --events
		wg        sync.WaitGroup
	)
	// next is the user of the next event, false once --events have started.
	next := func() (string, bool) {
		i := seq.Add(1) - 1
		if *maxEvents > 0 && i >= *maxEvents {
			return "", false
		}
		return userIDs[i%int64(len(userIDs))], true
	}
	// Every client opens its connection before the clock starts, as a
	// publisher that keeps its connections alive has them (the server
	// keeps an idle one for 120 s, longer than any pause in make bench).
	// Opened by the first publishes instead, 128 dials and accepts in the
	// first 64 ms of a paced 2,000/s were most of that phase's slowest
	// publishes: the slowest in its first 100 ms took 91-125 ms, against
	// 33-37 ms with the connections open (scripts/profile.sh paced RATE=2000
	// USERS=20 CONC=128 IDLE=3 PRESEED=5000, three alternating pairs).
	var dial sync.WaitGroup
	for range *conc {
		dial.Go(func() { _ = call("GET", "/healthz", nil, nil) })
	}
	dial.Wait()
	var start time.Time // set just before the first publish
	publish := func(due time.Time, userID string) {
		body := map[string]any{"event": "recording.completed", "data": loadData(userID, due.UnixNano(), *size)}
		err := call("POST", "/api/v1/events", body, nil)
		lat := float64(time.Since(due).Microseconds()) / 1000
		if err != nil {
			failures.Add(1)
			return
		}
		published.Add(1)
		mu.Lock()
		apiLat = append(apiLat, lat)
		if *series != "" {
			points = append(points, [2]float64{float64(due.Sub(start).Microseconds()) / 1000, lat})
		}
		mu.Unlock()
	}
	start = time.Now()
	end := start.Add(*dur)
	if *closed {
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) && ctx.Err() == nil {
					u, ok := next()
					if !ok {
						return
					}
					publish(time.Now(), u)
				}
			}()
		}
	} else {
		type job struct {
			due  time.Time
			user string
		}
		jobs := make(chan job, *conc)
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					publish(j.due, j.user)
				}
			}()
		}
		interval := time.Duration(float64(time.Second) / *perSec)
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if !due.Before(end) || ctx.Err() != nil {
				break
			}
			u, ok := next()
			if !ok {
				break
			}
			time.Sleep(time.Until(due))
			jobs <- job{due, u} // blocks when --concurrency are in flight; the due time keeps counting
		}
		close(jobs)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if *series != "" {
		if err := writeSeries(*series, points); err != nil {
			return err
		}
	}
	n := published.Load()
	want := n * int64(*perUser)

	s, err := waitUnique(ctx, *receiverURL, want, *wait, time.Second)
	if err != nil {
		return err
	}
	slices.Sort(apiLat)
	var p50, p99 float64
	if len(apiLat) > 0 {
		p50, p99 = pct(apiLat, 0.5), pct(apiLat, 0.99)
	}
	// Delivered: from the first publish to the last receipt.
	delivered := perSecond(s.Unique, start.UnixNano(), s.LastAt)
	fmt.Fprintf(stdout, "%s: published %d in %.1fs = %.0f events/s (errors %d); API p50 %.1fms p99 %.1fms; "+
		"publish→receipt p50 %.1fms p99 %.1fms max %.1fms; received %d of %d (%.0f/s from the first publish), lost %d, duplicates %d, invalid %d\n",
		*label, n, elapsed, float64(n)/elapsed, failures.Load(), p50, p99, s.P50Ms, s.P99Ms, s.MaxMs,
		s.Unique, want, delivered, want-s.Unique, s.Duplicates, s.Invalid)
	return writeResult(*out, "label", *label, "published", n, "publish_rate", float64(n)/elapsed,
		"errors", failures.Load(), "api_p50", p50, "api_p99", p99,
		"expected", want, "unique", s.Unique, "rate", delivered, "lost", want-s.Unique,
		"duplicates", s.Duplicates, "invalid", s.Invalid, "p50", s.P50Ms, "p99", s.P99Ms, "max", s.MaxMs)
}

// rateAccounts makes users users with perUser endpoints each through the
// API, every endpoint at its own path of the receiver, and returns the
// user ids and the endpoints' secrets.
func rateAccounts(call func(method, path string, body, out any) error, receiverURL string, users, perUser int) ([]string, []string, error) {
	var ids, secrets []string
	stamp := time.Now().UnixNano()
	for u := range users {
		var user struct{ ID string }
		if err := call("POST", "/api/v1/users", map[string]string{"email": fmt.Sprintf("load%d-%d@example.com", stamp, u)}, &user); err != nil {
			return nil, nil, err
		}
		ids = append(ids, user.ID)
		for e := range perUser {
			var ep struct{ Secret string }
			if err := call("POST", "/api/v1/users/"+user.ID+"/endpoints", map[string]any{
				"url":    fmt.Sprintf("%s/hook/%s-%d", strings.TrimSuffix(receiverURL, "/"), user.ID, e),
				"events": []string{"recording.completed"},
			}, &ep); err != nil {
				return nil, nil, err
			}
			secrets = append(secrets, ep.Secret)
		}
	}
	return ids, secrets, nil
}

// receiverPost POSTs body to one of the receiver's control URLs.
func receiverPost(url, body string) error {
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("receiver: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver: %s: %s", url, resp.Status)
	}
	return nil
}

// writeSeries writes --series: one "start latency" line per publish, in ms,
// in the order of their start.
func writeSeries(path string, points [][2]float64) error {
	slices.SortFunc(points, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
	var b bytes.Buffer
	for _, p := range points {
		fmt.Fprintf(&b, "%.1f %.2f\n", p[0], p[1])
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
