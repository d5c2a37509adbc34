package web

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// deliveryReason says in plain words what the delivery's last attempt
// met, from its outcome, status code, the address dialled and the phase
// timings: "Connection refused by 127.0.0.1:9", "Timed out after 15 s
// waiting for the first byte", "HTTP 503 from your server". Empty before
// the first attempt.
func deliveryReason(d store.DeliveryDetail, endpointURL string) string {
	if len(d.Attempts) == 0 {
		return ""
	}
	return attemptReason(d.Attempts[len(d.Attempts)-1], endpointURL)
}

// attemptReason says in plain words what one attempt met (deliveryReason).
func attemptReason(a store.Attempt, endpointURL string) string {
	addr := deref(a.RemoteAddr)
	errText := strings.ToLower(deref(a.Error))
	took := seconds(a.DurationMs)
	switch a.Outcome {
	case "success":
		return fmt.Sprintf("Delivered: HTTP %d from your server in %s", codeOf(a.StatusCode), millis(a.DurationMs))
	case "http_error":
		if a.StatusCode != nil {
			return fmt.Sprintf("HTTP %d from your server", *a.StatusCode)
		}
	case "redirect":
		return fmt.Sprintf("HTTP %d from your server: redirects are not followed", codeOf(a.StatusCode))
	case "timeout":
		switch {
		case a.StatusCode != nil:
			return fmt.Sprintf("HTTP %d from your server, then timed out after %s reading the body", *a.StatusCode, took)
		case a.ConnectMs == nil && addr != "":
			return fmt.Sprintf("Timed out after %s connecting to %s", took, addr)
		case a.FirstByteMs == nil && addr != "":
			return fmt.Sprintf("Timed out after %s waiting for the first byte", took)
		}
		return "Timed out after " + took
	case "connection_error":
		if addr == "" {
			break
		}
		switch {
		case strings.Contains(errText, "refused"):
			return "Connection refused by " + addr
		case strings.Contains(errText, "reset"):
			return "Connection reset by " + addr
		case strings.Contains(errText, "eof"):
			return "Connection closed by " + addr + " without an answer"
		}
		return "Connection to " + addr + " failed"
	case "tls_error":
		if addr != "" {
			return "TLS handshake with " + addr + " failed"
		}
		return "TLS handshake failed"
	case "dns_error":
		if u, err := url.Parse(endpointURL); err == nil && u.Hostname() != "" {
			return "DNS lookup of " + u.Hostname() + " failed"
		}
		return "DNS lookup failed"
	case "blocked":
		if addr != "" {
			return "Blocked: the URL resolved to " + addr + ", which is not a public address"
		}
		return "Blocked: the URL resolved to an address that is not public"
	case "interrupted":
		return "Interrupted: the process sending it stopped before the answer"
	}
	if a.Error != nil {
		return sentence(*a.Error)
	}
	return strings.ReplaceAll(a.Outcome, "_", " ")
}

func codeOf(c *int32) int32 {
	if c == nil {
		return 0
	}
	return *c
}

// deliveryNext says what happens next and exactly when: "Attempt 4 of 8
// at", the time (at, nil when there is none; the page prints it as every
// time), then how long until then ("in 12 min").
func deliveryNext(d store.DeliveryDetail, maxAttempts int, now time.Time) (text string, at *time.Time, wait string) {
	switch {
	case d.InFlight:
		return "An attempt is in flight now.", nil, ""
	case d.ManualRequestedAt != nil:
		return "A manual retry is queued and goes out within seconds.", nil, ""
	case d.Status == "succeeded":
		return "", nil, ""
	case d.Status == "failed":
		return fmt.Sprintf("No more automatic attempts: all %d were made. Retry it by hand when your server is fixed.", maxAttempts), nil, ""
	case d.NextAttemptAt == nil:
		return "", nil, ""
	}
	// No break inside "in 12 min" on a narrow screen.
	wait = strings.ReplaceAll(views.Wait(d.NextAttemptAt.Sub(now)), " ", "\u00a0")
	return fmt.Sprintf("Attempt %d of %d at", d.AutoAttempts+1, maxAttempts), d.NextAttemptAt, wait
}

func seconds(ms int32) string {
	return fmt.Sprintf("%d s", int(math.Round(float64(ms)/1000)))
}

func millis(ms int32) string {
	if ms < 1 {
		return "under 1 ms"
	}
	if ms >= 1000 {
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	}
	return fmt.Sprintf("%d ms", ms)
}

// healthKindWords names a kind of attempt the endpoint's health charts
// count (webhook.HealthKinds): the outcome, with HTTP errors by status
// class and a refused connection apart.
func healthKindWords(kind string) string {
	switch kind {
	case "success":
		return "Succeeded"
	case webhook.HealthHTTP5xx:
		return "HTTP 5xx"
	case webhook.HealthHTTP4xx:
		return "HTTP 4xx"
	case "http_error":
		return "Other HTTP status"
	case "redirect":
		return "Redirect (3xx)"
	case "timeout":
		return "Timed out"
	case webhook.HealthRefused:
		return "Connection refused"
	case "connection_error":
		return "Connection failed"
	case "tls_error":
		return "TLS failed"
	case "dns_error":
		return "DNS lookup failed"
	case "blocked":
		return "Blocked address"
	case "interrupted":
		return "Interrupted"
	}
	return strings.ReplaceAll(kind, "_", " ")
}
