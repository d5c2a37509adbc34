package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
)

func TestEncodeHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    http.Header
		want map[string]string
	}{
		{name: "values joined", h: http.Header{"X-A": {"1", "2"}, "Content-Type": {"text/plain"}}, want: map[string]string{"X-A": "1, 2", "Content-Type": "text/plain"}},
		{name: "escaped", h: http.Header{"X-Q": {"a\"b\\c\x01\xff"}}, want: map[string]string{"X-Q": "a\"b\\c\x01\uFFFD"}},
		{name: "over 8 KiB left out", h: http.Header{"X-Big": {strings.Repeat("b", 9<<10)}, "X-Small": {"s"}}, want: map[string]string{"X-Small": "s"}},
		{name: "none", h: http.Header{}, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := encodeHeaders(tt.h)
			if len(raw) > MaxResponseHeaders {
				t.Errorf("%d bytes, want at most %d", len(raw), MaxResponseHeaders)
			}
			var got map[string]string
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// BenchmarkPhaseTrace is what tracing adds to an attempt: the trace, its
// context and the encoded response headers (the request itself excluded).
func BenchmarkPhaseTrace(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "Date": {"Mon, 04 May 2026 10:00:00 GMT"}, "Content-Length": {"2"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tr := newPhaseTrace()
		_ = httptrace.WithClientTrace(ctx, &tr.ct)
		tr.headers = encodeHeaders(h)
	}
}
