package dispatch

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// MaxResponseBody is how much of a receiver's answer an attempt keeps.
const MaxResponseBody = 16 << 10

// drainLimit is how much more of an answer is read so the connection can be reused.
const drainLimit = 64 << 10

// Attempt outcomes, as the API names them.
const (
	OutcomeSuccess         = "success"
	OutcomeHTTPError       = "http_error"
	OutcomeRedirect        = "redirect"
	OutcomeTimeout         = "timeout"
	OutcomeConnectionError = "connection_error"
	OutcomeTLSError        = "tls_error"
	OutcomeDNSError        = "dns_error"
	OutcomeBlocked         = "blocked"
)

// attempt sends one delivery. cancelled is true when a hard stop cut it
// short: the delivery goes back to the queue with no attempt recorded.
func (d *Dispatcher) attempt(c store.Claimed, token int64) (res store.Result, cancelled bool) {
	start := d.o.Now().UTC()
	manual := c.ClaimManual
	res = store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, Token: token, Number: c.AttemptCount + 1, Manual: manual, StartedAt: start}

	ctx, cancel := context.WithTimeout(d.hardCtx, d.o.AttemptTimeout)
	defer cancel()
	code, body, truncated, outcome, errText := d.send(ctx, c)
	if d.hardCtx.Err() != nil && outcome != OutcomeSuccess {
		return res, true
	}
	finished := d.o.Now().UTC()
	res.DurationMs = int32(finished.Sub(start).Milliseconds())
	res.StatusCode, res.ResponseBody, res.Truncated = int32(code), body, truncated
	res.Outcome, res.Error = outcome, errText
	d.nextState(&res, c, finished)

	if outcome != OutcomeSuccess {
		d.log.Warn("attempt failed", "delivery_id", c.ID, "endpoint_id", c.EndpointID, "attempt", res.Number,
			"status", code, "outcome", outcome, "next_status", res.Status)
	}
	return res, false
}

// nextState applies the retry schedule. A manual attempt never shortens or
// resets the automatic schedule: it can only end the delivery by succeeding.
func (d *Dispatcher) nextState(res *store.Result, c store.Claimed, now time.Time) {
	success := res.Outcome == OutcomeSuccess
	res.AutoAttempts = c.AutoAttempts
	switch {
	case success:
		res.Status, res.CompletedAt = "succeeded", &now
		if !res.Manual {
			res.AutoAttempts++
		}
	case res.Manual:
		res.Status, res.NextAttemptAt = c.Status, c.NextAttemptAt
		if c.Status == "pending" {
			res.Status = "retrying"
		}
	default:
		res.AutoAttempts++
		if int(res.AutoAttempts) > len(d.o.Schedule) {
			res.Status, res.CompletedAt = "failed", &now
		} else {
			next := now.Add(d.o.Schedule[res.AutoAttempts-1])
			res.Status, res.NextAttemptAt = "retrying", &next
		}
	}
}

// sealedSecret is an endpoint's secret as last opened, with the sealed
// bytes it was opened from.
type sealedSecret struct {
	sealed, secret string
}

// secret opens the endpoint's sealed signing secret, once per sealed value:
// every claimed row carries the sealed bytes, and opening them for each
// attempt was 6% of the dispatcher's CPU in a drain. A rotation seals a
// new value, which misses the cache and is opened afresh.
func (d *Dispatcher) secret(endpointID string, sealed []byte) (string, error) {
	d.secretsMu.Lock()
	e, ok := d.secrets[endpointID]
	d.secretsMu.Unlock()
	if ok && e.sealed == string(sealed) {
		return e.secret, nil
	}
	secret, err := d.o.Store.OpenSecret(endpointID, sealed)
	if err != nil {
		return "", err
	}
	d.secretsMu.Lock()
	d.secrets[endpointID] = sealedSecret{sealed: string(sealed), secret: secret}
	d.secretsMu.Unlock()
	return secret, nil
}

// send POSTs the stored body with exactly the documented headers.
func (d *Dispatcher) send(ctx context.Context, c store.Claimed) (code int, body []byte, truncated bool, outcome, errText string) {
	if c.Body == nil {
		return 0, nil, false, OutcomeConnectionError, "the payload has expired and can no longer be sent"
	}
	secret, err := d.secret(c.EndpointID, c.SecretEncrypted)
	if err != nil {
		return 0, nil, false, OutcomeConnectionError, "the signing secret could not be read"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Url, bytes.NewReader(c.Body))
	if err != nil {
		return 0, nil, false, OutcomeConnectionError, "invalid endpoint URL: " + err.Error()
	}
	h := req.Header
	h["Content-Type"] = []string{webhook.ContentType}
	h["User-Agent"] = []string{webhook.UserAgent}
	h[webhook.HeaderEvent] = []string{c.EventType}
	h[webhook.HeaderDelivery] = []string{c.ID}
	h[webhook.HeaderSignature] = []string{webhook.Sign(secret, c.Body)}

	resp, err := d.o.Client.Do(req)
	if err != nil {
		outcome, errText := classify(err)
		return 0, nil, false, outcome, errText
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	if len(body) > MaxResponseBody {
		body, truncated = body[:MaxResponseBody], true
	}
	if readErr == nil && truncated {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	}
	code = resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		// The receiver accepted it; a body cut short after that changes nothing.
		return code, body, truncated, OutcomeSuccess, ""
	case code >= 300 && code < 400:
		msg := fmt.Sprintf("HTTP %d: redirects are not followed", code)
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " (Location: " + clip(loc, 300) + ")"
		}
		return code, body, truncated, OutcomeRedirect, msg
	}
	msg := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	if readErr != nil {
		o, e := classify(readErr)
		if o == OutcomeTimeout {
			return code, body, truncated, o, msg + "; " + e
		}
	}
	return code, body, truncated, OutcomeHTTPError, msg
}

// classify names a transport error for the attempt record.
func classify(err error) (string, string) {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var netErr net.Error
	switch {
	case netguard.IsBlocked(err):
		return OutcomeBlocked, "the endpoint resolved to an address that is not public: " + unwrapMsg(err)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return OutcomeTimeout, "no complete answer within the attempt timeout"
	case errors.As(err, &dnsErr):
		return OutcomeDNSError, "DNS lookup failed: " + dnsErr.Error()
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &recErr), errors.As(err, &alert), strings.Contains(err.Error(), "tls:"):
		return OutcomeTLSError, "TLS: " + unwrapMsg(err)
	}
	return OutcomeConnectionError, unwrapMsg(err)
}

// unwrapMsg drops net/http's "Post \"url\": " prefix.
func unwrapMsg(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			if _, ok := err.(interface{ Timeout() bool }); ok {
				return clip(inner.Error(), 500)
			}
		}
	}
	return clip(err.Error(), 500)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
