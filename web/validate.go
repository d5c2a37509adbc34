package web

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// maxDescription is the longest endpoint description, in characters.
const maxDescription = 500

// checkEndpointURL applies the endpoint URL rules (scheme, and no private
// targets unless allowed) and returns the normalised URL or a message.
func (s *Server) checkEndpointURL(ctx context.Context, raw string) (string, string) {
	if strings.TrimSpace(raw) == "" {
		return "", "is required"
	}
	u, err := s.guard.CheckURL(ctx, strings.TrimSpace(raw))
	if err != nil {
		return "", err.Error()
	}
	return u, ""
}

// checkEvents validates a subscription list and returns it deduplicated in
// the documented order.
func checkEvents(events []string) ([]string, string) {
	if len(events) == 0 {
		return nil, "must name at least one event type: " + strings.Join(webhook.EventTypes, ", ")
	}
	for _, e := range events {
		if !webhook.KnownEvent(e) {
			return nil, "unknown event type " + quote(e) + "; known types: " + strings.Join(webhook.EventTypes, ", ")
		}
	}
	var out []string
	for _, t := range webhook.EventTypes {
		if slices.Contains(events, t) {
			out = append(out, t)
		}
	}
	return out, ""
}

func checkDescription(d string) string {
	if utf8.RuneCountInString(d) > maxDescription {
		return "must be at most 500 characters"
	}
	if !utf8.ValidString(d) || strings.ContainsRune(d, 0) {
		return "must be valid text without NUL characters"
	}
	return ""
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return `"` + s + `"`
}

// checkEmail returns the address in canonical form, or a message.
func checkEmail(raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "is required"
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Address != raw || len(raw) > 254 {
		return "", "must be an email address such as jamie@example.com"
	}
	return raw, ""
}
