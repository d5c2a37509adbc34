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
	"net/http/httptrace"
	"net/url"
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

// send POSTs the stored body with exactly the documented headers, signed
// with the secret active at now, the moment of sending; with the Standard
// Webhooks headers too when the endpoint has them on. tr records the
// request's phases and the response headers.
func (d *Dispatcher) send(ctx context.Context, c store.Claimed, now time.Time, tr *phaseTrace) (code int, body []byte, truncated bool, outcome, errText string) {
	if c.Body == nil {
		return 0, nil, false, OutcomeConnectionError, "the payload has expired and can no longer be sent"
	}
	active, pending, isPending, err := d.signingSecrets(c, now)
	if err != nil {
		return 0, nil, false, OutcomeConnectionError, "the signing secret could not be read"
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, &tr.ct), http.MethodPost, c.Url, bytes.NewReader(c.Body))
	if err != nil {
		return 0, nil, false, OutcomeConnectionError, "invalid endpoint URL: " + err.Error()
	}
	var std [][]byte
	if c.StandardWebhooks && active.std != nil {
		std = [][]byte{active.std}
		if isPending && pending.std != nil {
			std = append(std, pending.std)
		}
	}
	for _, hd := range webhook.AttemptHeaders(c.EventType, c.ID, c.Body, active.secret, std, now.Unix()) {
		req.Header[hd.Name] = []string{hd.Value}
	}

	resp, err := d.roundTrip(req)
	if err != nil {
		outcome, errText := classify(err)
		return 0, nil, false, outcome, errText
	}
	defer resp.Body.Close()
	tr.headers = encodeHeaders(resp.Header)
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

// roundTrip sends req through the client's transport, not Client.Do: an
// attempt follows no redirect and sets its own deadline, and Do's
// redirect machinery copied the request's headers for every attempt
// (makeHeadersCopier, ~5 % of the dispatcher's CPU in a drain, pprof).
// A client without a transport of its own falls back to Do.
func (d *Dispatcher) roundTrip(req *http.Request) (*http.Response, error) {
	if rt := d.o.Client.Transport; rt != nil {
		return rt.RoundTrip(req)
	}
	return d.o.Client.Do(req)
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
	case netguard.IsHeaderTooLarge(err):
		return OutcomeConnectionError, fmt.Sprintf("the response headers are larger than %d KiB, the most an attempt reads", netguard.MaxResponseHeaderBytes>>10)
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

// unwrapMsg drops the "Post \"url\": " prefix of a *url.Error (Client.Do's
// errors; roundTrip's have none).
func unwrapMsg(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return clip(ue.Err.Error(), 500)
	}
	return clip(err.Error(), 500)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
