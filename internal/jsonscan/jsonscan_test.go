package jsonscan_test

import (
	"encoding/json"
	"testing"

	"github.com/clipcabinet/webhooks/internal/jsonscan"
)

func TestReaderMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string // key literal, value, key literal, value ...
	}{
		{name: "empty", in: `{}`},
		{name: "spaced", in: "{ \"a\" :\t1 ,\n\"b\":[1, {\"c\":\"}\"}] }", want: []string{`"a"`, `1`, `"b"`, `[1, {"c":"}"}]`}},
		{name: "escaped key", in: `{"a\"b":null}`, want: []string{`"a\"b"`, `null`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for r := jsonscan.Open([]byte(tt.in)); r.More(); {
				k, v := r.Member()
				got = append(got, string(k), string(v))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("members = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("members = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{name: "plain", in: `"hello"`, ok: true},
		{name: "escapes", in: `"a\"b\\c\u00e9\n"`, ok: true},
		{name: "surrogate pair", in: `"\ud83d\ude00"`, ok: true},
		{name: "lone surrogate", in: `"\ud83d"`, ok: true},
		{name: "invalid utf-8", in: "\"\xff\"", ok: true},
		{name: "number", in: `12`},
		{name: "null", in: `null`},
		{name: "object", in: `{"a":"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want string
			wantOK := json.Unmarshal([]byte(tt.in), &want) == nil && tt.ok
			s, ok := jsonscan.String[string]([]byte(tt.in))
			b, bok := jsonscan.String[[]byte]([]byte(tt.in))
			if ok != wantOK || bok != wantOK || s != want || string(b) != want {
				t.Errorf("String(%s) = %q %v / %q %v, want %q %v", tt.in, s, ok, b, bok, want, wantOK)
			}
		})
	}
}
