package webhook_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func isBase62(s string) bool {
	return strings.Trim(s, base62) == ""
}

func TestNewID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
	}{
		{name: "delivery", prefix: webhook.PrefixDelivery},
		{name: "event", prefix: webhook.PrefixEvent},
		{name: "endpoint", prefix: webhook.PrefixEndpoint},
		{name: "user", prefix: webhook.PrefixUser},
		{name: "no prefix", prefix: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const n = 10000
			seen := make(map[string]bool, n)
			for range n {
				id := webhook.NewID(tt.prefix)
				rest, ok := strings.CutPrefix(id, tt.prefix)
				if !ok || len(rest) != 16 || !isBase62(rest) {
					t.Fatalf("NewID(%q) = %q, want the prefix and 16 base62 characters", tt.prefix, id)
				}
				if !webhook.ValidID(tt.prefix, id) {
					t.Fatalf("ValidID(%q, %q) = false", tt.prefix, id)
				}
				if seen[id] {
					t.Fatalf("NewID(%q) repeated %q", tt.prefix, id)
				}
				seen[id] = true
			}
		})
	}
}

// TestNewIDDistribution catches a modulo bias or a stuck character in an
// id's random part (its last 9 characters): over 9×36000 characters each
// of the 62 appears about 5226 times.
func TestNewIDDistribution(t *testing.T) {
	t.Parallel()
	counts := make(map[rune]int)
	const ids = 36000
	for range ids {
		for _, c := range webhook.NewID("del_")[4+7:] {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("saw %d distinct characters, want 62", len(counts))
	}
	mean := float64(ids*9) / 62
	for c, n := range counts {
		// ±10% is more than 7 standard deviations (sd ≈ 71).
		if float64(n) < mean*0.9 || float64(n) > mean*1.1 {
			t.Errorf("character %q appeared %d times, want about %.0f", c, n, mean)
		}
	}
}

// TestNewIDsSortByTime: an id made later sorts after one made earlier, as
// the database compares them (bytewise), so indexes keyed by ids take new
// rows at their right end; ids made in the same millisecond differ.
func TestNewIDsSortByTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 16, 59, 59, 998_000_000, time.UTC)
	steps := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, time.Second, time.Hour,
		31 * 24 * time.Hour, 365 * 24 * time.Hour, 100 * 365 * 24 * time.Hour}
	var prev string
	for i, d := range steps {
		id := webhook.NewIDAt("del_", start.Add(d))
		if !webhook.ValidID("del_", id) {
			t.Fatalf("NewIDAt(+%v) = %q, not a valid id", d, id)
		}
		if i > 0 && id <= prev {
			t.Errorf("NewIDAt(+%v) = %q sorts before or with %q, made %v earlier", d, id, prev, d-steps[i-1])
		}
		prev = id
	}
	a, b := webhook.NewIDAt("del_", start), webhook.NewIDAt("del_", start)
	if a == b || a[:4+7] != b[:4+7] {
		t.Errorf("two ids of one millisecond: %q and %q, want the same 7 time characters and different random ones", a, b)
	}
	if a[4:4+7] != "3qI8ROY" {
		t.Errorf("NewIDAt(%v) = %q, want its time characters 3qI8ROY (ms since 2020 in base62)", start, a)
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		id     string
		want   bool
	}{
		{name: "spec delivery id", prefix: "del_", id: "del_2YwK3pQ8r5n6mZ4a", want: true},
		{name: "spec user id", prefix: "user_", id: "user_2yPcKa4qR8w3vXk5", want: true},
		{name: "wrong prefix", prefix: "evt_", id: "del_2YwK3pQ8r5n6mZ4a"},
		{name: "too short", prefix: "del_", id: "del_2YwK3pQ8r5n6mZ4"},
		{name: "too long", prefix: "del_", id: "del_2YwK3pQ8r5n6mZ4aa"},
		{name: "symbol", prefix: "del_", id: "del_2YwK3pQ8r5n6mZ-a"},
		{name: "non-ascii", prefix: "del_", id: "del_2YwK3pQ8r5n6mZé"},
		{name: "prefix only", prefix: "del_", id: "del_"},
		{name: "empty", prefix: "del_", id: ""},
		{name: "prefix twice", prefix: "del_", id: "del_del_2YwK3pQ8r5n6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := webhook.ValidID(tt.prefix, tt.id); got != tt.want {
				t.Errorf("ValidID(%q, %q) = %v, want %v", tt.prefix, tt.id, got, tt.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	const n = 10000
	seen := make(map[string]bool, n)
	for range n {
		s := webhook.NewSecret()
		rest, ok := strings.CutPrefix(s, "whsec_")
		key, err := base64.StdEncoding.Strict().DecodeString(rest)
		if !ok || err != nil || len(key) != 32 || len(rest) != 44 {
			t.Fatalf("NewSecret() = %q, want whsec_ and the standard base64 of 32 bytes", s)
		}
		if seen[s] {
			t.Fatalf("NewSecret() repeated %q", s)
		}
		seen[s] = true
	}
}
