package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Stats is what the receiver reports on GET /stats.
type Stats struct {
	Received   int64   `json:"received"`
	Unique     int64   `json:"unique"`
	Duplicates int64   `json:"duplicates"`
	Invalid    int64   `json:"invalid"`
	FirstAt    int64   `json:"firstAtUnixNano"`
	LastAt     int64   `json:"lastAtUnixNano"`
	P50Ms      float64 `json:"p50Ms"`
	P99Ms      float64 `json:"p99Ms"`
	MaxMs      float64 `json:"maxMs"`
	Timed      int     `json:"timed"`
}

type receiver struct {
	mu      sync.Mutex
	secrets []string
	// byPath is the secret that last verified a request to each path, tried
	// first: an endpoint per path (/hook/<name>) then costs one signature
	// check per request however many secrets the receiver holds, so the
	// receiver stays cheap next to the server it measures.
	byPath    map[string]string
	seen      map[string]int
	stats     Stats
	latencies []float64 // ms, publish-due -> receipt, for bodies that carry "t=<unixnano>"
}

// marker is how a load body carries its due time: data.title = "load t=<unixnano>".
var marker = []byte(`"title":"load t=`)

func receive(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("receive", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9100", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rc := &receiver{seen: map[string]int{}, byPath: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", rc.hook)
	mux.HandleFunc("POST /hook/{name...}", rc.hook)
	mux.HandleFunc("POST /control/secret", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.secrets = append(rc.secrets, string(bytes.TrimSpace(b)))
		rc.mu.Unlock()
	})
	mux.HandleFunc("POST /control/reset", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.seen, rc.stats, rc.latencies = map[string]int{}, Stats{}, nil
		rc.mu.Unlock()
	})
	// GET /stats?counts=1 leaves out the percentiles: pollers waiting for a
	// count would otherwise sort every latency ten times a second, on the
	// cores the server under test is using.
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		s := rc.stats
		var lat []float64
		if r.URL.Query().Get("counts") == "" {
			lat = slices.Clone(rc.latencies)
		}
		rc.mu.Unlock()
		slices.Sort(lat)
		s.Timed = len(lat)
		if len(lat) > 0 {
			s.P50Ms, s.P99Ms, s.MaxMs = pct(lat, 0.50), pct(lat, 0.99), lat[len(lat)-1]
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "loadgen receiver on http://%s/hook\n", ln.Addr())
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func pct(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func (rc *receiver) hook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	now := time.Now().UnixNano()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	sig := r.Header.Get(webhook.HeaderSignature)
	id := r.Header.Get(webhook.HeaderDelivery)
	rc.mu.Lock()
	secrets, last := rc.secrets, rc.byPath[r.URL.Path]
	rc.mu.Unlock()
	ok := last != "" && webhook.Verify(last, body, sig)
	for i := len(secrets) - 1; i >= 0 && !ok; i-- { // newest first
		if ok = webhook.Verify(secrets[i], body, sig); ok {
			rc.mu.Lock()
			rc.byPath[r.URL.Path] = secrets[i]
			rc.mu.Unlock()
		}
	}
	var lat float64 = -1
	if i := bytes.Index(body, marker); i >= 0 {
		rest := body[i+len(marker):]
		if j := bytes.IndexByte(rest, '"'); j > 0 {
			if due, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
				lat = float64(now-due) / 1e6
			}
		}
	}
	rc.mu.Lock()
	rc.stats.Received++
	if !ok {
		rc.stats.Invalid++
	} else if rc.seen[id]++; rc.seen[id] == 1 {
		rc.stats.Unique++
		if lat >= 0 {
			rc.latencies = append(rc.latencies, lat)
		}
	} else {
		rc.stats.Duplicates++
	}
	if rc.stats.FirstAt == 0 {
		rc.stats.FirstAt = now
	}
	rc.stats.LastAt = now
	rc.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

// getStats reads the receiver's counts and latency percentiles.
func getStats(ctx context.Context, receiverURL string) (Stats, error) {
	return readStats(ctx, receiverURL+"/stats")
}

// getCounts reads the receiver's counts only (no percentiles), for polling.
func getCounts(ctx context.Context, receiverURL string) (Stats, error) {
	return readStats(ctx, receiverURL+"/stats?counts=1")
}

func readStats(ctx context.Context, url string) (Stats, error) {
	var s Stats
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}
