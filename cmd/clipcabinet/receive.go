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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// secretsFlag is --secret, which may be given twice: during a rotation's
// window a receiver accepts either secret.
type secretsFlag []string

func (s *secretsFlag) String() string { return strings.Join(*s, ",") }

func (s *secretsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// standardTolerance is how far webhook-timestamp may be from now, as the
// Standard Webhooks libraries allow.
const standardTolerance = 5 * time.Minute

// verifyStandard checks the Standard Webhooks headers against any of the
// secrets, as a Standard Webhooks library would.
func verifyStandard(secrets []string, h http.Header, body []byte, now time.Time) bool {
	id, sig := h.Get("webhook-id"), h.Get("webhook-signature")
	ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if id == "" || sig == "" || err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > standardTolerance || d < -standardTolerance {
		return false
	}
	for _, s := range secrets {
		if key, ok := webhook.StandardKey(s); ok && webhook.VerifyStandard(key, id, ts, body, sig) {
			return true
		}
	}
	return false
}

// receive runs a local webhook receiver that verifies each delivery with
// webhook.Verify (and the Standard Webhooks headers with --standard) and
// prints one line per request.
func receive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("receive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var secrets secretsFlag
	fs.Var(&secrets, "secret", "the endpoint's signing secret, whsec_... (required); give it twice to accept either of two (a rotation's window)")
	standard := fs.Bool("standard", false, "verify the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) too")
	addr := fs.String("addr", "127.0.0.1:9000", "listen address")
	failStatus := fs.Int("fail-status", 500, "status to answer when failing a request")
	failFirst := fs.Int("fail-first", 0, "fail the first N requests")
	failRate := fs.Float64("fail-rate", 0, "fail this fraction of requests (0 to 1) at random")
	printBody := fs.Bool("print-body", false, "print each verified body, indented, after its line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(secrets) == 0 || len(secrets) > 2 {
		return errors.New("--secret: the endpoint's signing secret, whsec_..., is required, once or twice (the active and the pending one; reveal them in the dashboard)")
	}
	for _, s := range secrets {
		if !strings.HasPrefix(s, "whsec_") {
			return errors.New("--secret: the endpoint's signing secret, whsec_..., is required (reveal it in the dashboard)")
		}
	}
	if *standard {
		for _, s := range secrets {
			if !webhook.IsStandardSecret(s) {
				return errors.New("--standard: a secret of the older form cannot verify Standard Webhooks; rotate it first")
			}
		}
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
		sig := r.Header.Get(webhook.HeaderSignature)
		ok := false
		for _, s := range secrets {
			ok = ok || webhook.Verify(s, body, sig)
		}
		verdict := "verified"
		switch {
		case !ok:
			verdict = "INVALID-SIGNATURE"
		case *standard && !verifyStandard(secrets, r.Header, body, time.Now()):
			ok, verdict = false, "INVALID-STANDARD-SIGNATURE"
		}
		status := http.StatusOK
		switch {
		case !ok:
			status = http.StatusUnauthorized
		case n <= int64(*failFirst) || (*failRate > 0 && rand.Float64() < *failRate):
			status = *failStatus
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
