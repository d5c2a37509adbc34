package views

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/clipcabinet/webhooks/static"
)

// asset is the cache-busting URL of a static file.
func asset(name string) string { return static.Path(name) }

// htmxConfig configures htmx for the Content-Security-Policy (no eval, no
// injected indicator styles) and for secrets: no history snapshots in
// localStorage (a revealed secret must not be saved there); going back
// reloads the page from the server instead. 4xx answers carry a fragment
// worth showing (a form with its errors, a conflict message), so they swap;
// 5xx do not, and app.js shows a toast.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"historyCacheSize":0,"refreshOnHistoryMiss":true,"defaultSwapStyle":"innerHTML",` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"4(00|04|09|22|29)","swap":true},{"code":"...","swap":false,"error":true}]}`

// ago renders a time relative to now ("3 minutes ago", "in 5 minutes");
// app.js keeps it current.
func ago(t time.Time) string {
	d := time.Until(t)
	future := d > 0
	if !future {
		d = -d
	}
	if d < 5*time.Second {
		if future {
			return "now"
		}
		return "just now"
	}
	var n int64
	var unit string
	switch {
	case d >= 24*time.Hour:
		n, unit = int64(d/(24*time.Hour)), "day"
	case d >= time.Hour:
		n, unit = int64(d/time.Hour), "hour"
	case d >= time.Minute:
		n, unit = int64(d/time.Minute), "minute"
	default:
		n, unit = int64(d/time.Second), "second"
	}
	s := strconv.FormatInt(n, 10) + " " + unit
	if n != 1 {
		s += "s"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// stamp is a time in full, UTC, for titles and details.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// iso is the datetime attribute's value.
func iso(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func code(c *int32) string {
	if c == nil {
		return "—"
	}
	return strconv.Itoa(int(*c))
}

func codeClass(c *int32) string {
	switch {
	case c == nil:
		return "muted"
	case *c >= 200 && *c < 300:
		return "code-2xx"
	}
	return "code-bad"
}

// attemptsText is "3 of 8": automatic attempts against the schedule's
// length, plus the extra ones (manual, or interrupted by a crash), which do
// not use up the schedule.
func attemptsText(all, auto int32, max int) string {
	s := fmt.Sprintf("%d of %d", auto, max)
	if extra := all - auto; extra > 0 {
		s += fmt.Sprintf(" +%d", extra)
	}
	return s
}

func attemptsTitle(all, auto int32) string {
	if extra := all - auto; extra > 0 {
		return fmt.Sprintf("%d automatic attempts, and %d manual or interrupted ones that do not count toward the schedule", auto, extra)
	}
	return "automatic attempts made, of the schedule's total"
}

func ratePercent(r Rate) int {
	if r.Total == 0 {
		return 0
	}
	return r.Succeeded * 100 / r.Total
}

// rateBarClass rounds the rate down to a tenth: the bar's width comes from
// a class, since the CSP forbids inline styles.
func rateBarClass(r Rate) string {
	return "w" + strconv.Itoa(ratePercent(r)/10*10)
}

func itoa(n int) string { return strconv.Itoa(n) }

func durationText(ms int32) string {
	if ms < 1000 {
		return strconv.Itoa(int(ms)) + " ms"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 2, 64) + " s"
}

func outcomeClass(o string) string {
	if o == "success" {
		return "outcome-success"
	}
	return "outcome-bad"
}

// outcomeText says an attempt's outcome in words.
func outcomeText(o string) string {
	switch o {
	case "success":
		return "Succeeded"
	case "http_error":
		return "HTTP error"
	case "redirect":
		return "Redirect (not followed)"
	case "timeout":
		return "Timed out"
	case "connection_error":
		return "Connection error"
	case "tls_error":
		return "TLS error"
	case "dns_error":
		return "DNS error"
	case "blocked":
		return "Blocked address"
	case "interrupted":
		return "Interrupted"
	}
	return o
}

func statusText(s string) string {
	switch s {
	case "pending":
		return "Pending"
	case "retrying":
		return "Retrying"
	case "succeeded":
		return "Succeeded"
	case "failed":
		return "Failed"
	}
	return s
}

// live reports whether a delivery may still change by itself, so its row
// or detail keeps polling.
func live(status string, inFlight, requested bool) bool {
	return status == "pending" || status == "retrying" || inFlight || requested
}

func sinceLabel(v string) string {
	switch v {
	case "1h":
		return "Last hour"
	case "24h":
		return "Last 24 hours"
	case "7d":
		return "Last 7 days"
	case "30d":
		return "Last 30 days"
	}
	return "Any time"
}

// SinceOptions are the admin filter's time ranges.
var SinceOptions = []string{"", "1h", "24h", "7d", "30d"}

// errID is the id of a field's error message, for aria-describedby.
func errID(id, err string) string {
	if err == "" {
		return ""
	}
	return id + "-error"
}

// invalid is aria-invalid's value for a field with this error.
func invalid(err string) string {
	if err == "" {
		return "false"
	}
	return "true"
}

// thousands writes a count with thousands separators: 1,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// countOf is "1 failed delivery" or "1,000 failed deliveries".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

// countdown is how long until t, from now, in words ("in 59 min").
func countdown(t, now time.Time) string {
	if !t.After(now) {
		return "any moment now"
	}
	return Wait(t.Sub(now))
}

// Wait is a wait in words, in whole units as a clock counts them down:
// "in 40 s", "in 12 min", "in 2 h 5 min", "in 3 days 4 h"; "due now" when
// d is not positive. The one way the dashboard says how long until
// something happens (a changeover, the next attempt).
func Wait(d time.Duration) string {
	if d <= 0 {
		return "due now"
	}
	return "in " + Span(d)
}

// Span is a length of time as Wait and the attempts' timeline say it:
// "40 s" (seconds rounded up), "12 min", "2 h 5 min", "3 days 4 h".
func Span(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(math.Ceil(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d days %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

func boolValue(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// minuteStamp is a time to the minute, UTC: for plain text that no script
// rewrites (an email's lines).
func minuteStamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
