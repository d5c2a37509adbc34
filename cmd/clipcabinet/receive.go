package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// receive runs a local webhook receiver that verifies each delivery with
// webhook.Verify and prints one line per request.
func receive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("receive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the endpoint's signing secret, whsec_... (required)")
	addr := fs.String("addr", "127.0.0.1:9000", "listen address")
	failStatus := fs.Int("fail-status", 500, "status to answer when failing a request")
	failFirst := fs.Int("fail-first", 0, "fail the first N requests")
	failRate := fs.Float64("fail-rate", 0, "fail this fraction of requests (0 to 1) at random")
	printBody := fs.Bool("print-body", false, "print each verified body, indented, after its line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*secret, "whsec_") {
		return errors.New("--secret: the endpoint's signing secret, whsec_..., is required (reveal it in the dashboard)")
	}
	if *failRate < 0 || *failRate > 1 {
		return errors.New("--fail-rate: must be from 0 to 1")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	var (
		count atomic.Int64
		outMu sync.Mutex
	)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		n := count.Add(1)
		ok := webhook.Verify(*secret, body, r.Header.Get(webhook.HeaderSignature))
		status := http.StatusOK
		switch {
		case !ok:
			status = http.StatusUnauthorized
		case n <= int64(*failFirst) || (*failRate > 0 && rand.Float64() < *failRate):
			status = *failStatus
		}
		verdict := "verified"
		if !ok {
			verdict = "INVALID-SIGNATURE"
		}
		outMu.Lock()
		fmt.Fprintf(stdout, "%s %s %s %s -> %d\n", time.Now().UTC().Format(webhook.TimeFormat),
			r.Header.Get(webhook.HeaderEvent), r.Header.Get(webhook.HeaderDelivery), verdict, status)
		if *printBody && ok {
			// Indent copies strings as sent, so the bytes we print are the
			// bytes we received (no re-escaping of <, > or &).
			var pretty bytes.Buffer
			if json.Indent(&pretty, body, "  ", "  ") == nil {
				fmt.Fprintf(stdout, "  %s\n", pretty.Bytes())
			}
		}
		outMu.Unlock()
		w.WriteHeader(status)
		switch {
		case status == http.StatusUnauthorized:
			_, _ = io.WriteString(w, "invalid signature")
		case status >= 300:
			_, _ = io.WriteString(w, "failing on purpose (clipcabinet receive --fail-*)")
		default:
			_, _ = io.WriteString(w, "ok")
		}
	})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "receiving on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
