package views

import (
	"html"
	"strings"
)

// dottedHTML is a dotted name, escaped, with a line break opportunity
// (<wbr>) after each dot.
func dottedHTML(name string) string {
	parts := strings.SplitAfter(name, ".")
	for i, p := range parts {
		parts[i] = html.EscapeString(p)
	}
	return strings.Join(parts, "<wbr>")
}

// urlHTML is a URL, escaped, with a line break opportunity (<wbr>) after
// each path slash and before its query, so a long URL wraps between its
// parts first (CSS breaks it anywhere only when a part is too long).
func urlHTML(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if (c == '?' || c == '&') && i > 0 {
			b.WriteString("<wbr>")
		}
		b.WriteString(html.EscapeString(u[i : i+1]))
		if c == '/' && (i+1 == len(u) || u[i+1] != '/') && !strings.HasSuffix(u[:i+1], "://") {
			b.WriteString("<wbr>")
		}
	}
	return b.String()
}

// Quiet is whether the recovery card has nothing to ask for: no recovery
// running or just finished, not just enabled, no error, and nothing in the
// offered range to retry. It then folds away under the cards used more.
func (v RecoveryCard) Quiet() bool {
	if v.Latest != nil || v.JustEnabled || v.Offer.Error != "" || len(v.Offer.Errors) > 0 {
		return false
	}
	return !v.Enabled || v.Offer.Count == 0
}

// QuietText says why the folded recovery card has nothing to do.
func (v RecoveryCard) QuietText() string {
	if !v.Enabled {
		return "enable the endpoint first"
	}
	return "nothing to retry now"
}
