package webhook_test

import (
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// The expected signatures were computed independently with Python:
//
//	python3 -c 'import hmac,hashlib;print("sha256="+hmac.new(SECRET.encode(),BODY,hashlib.sha256).hexdigest())'
const testSecret = "whsec_Zq3h8Kf0LmN2pR7sT1vW4xY6bC9dE5gH8jK2mP4qS7u"

func TestSign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret string
		body   string
		want   string
	}{
		{
			name:   "small body",
			secret: testSecret,
			body:   `{"hello":"world"}`,
			want:   "sha256=4f3a2018da7e898ad4b29e7412cac8b6749e03d6f327dc51cbfbcbd2d8a93c7d",
		},
		{
			name:   "empty body",
			secret: testSecret,
			body:   "",
			want:   "sha256=83951a1db14d60eeae97e71657def982fc5f8cf2bd478ac3ec4c05d4574bf18d",
		},
		{
			name:   "spec example compacted",
			secret: testSecret,
			body:   string(loadExample(t, webhook.EventRecordingCompleted).compact),
			want:   "sha256=4e003371e811da71386dbf44d70234f52ed5c93399d9162d57efe5f10075d975",
		},
		{
			name:   "html and non-ascii bytes",
			secret: "whsec_MfKQ9r8GKYqrTtwrHdy5u7ke",
			body:   `{"t":"<script>&é"}`,
			want:   "sha256=455460f88255fdb98e6262e0b156f65a0a4b97acb6c547467c188a9f6faf1e8b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := webhook.Sign(tt.secret, []byte(tt.body))
			if got != tt.want {
				t.Errorf("Sign() = %s, want %s", got, tt.want)
			}
			if !webhook.Verify(tt.secret, []byte(tt.body), tt.want) {
				t.Errorf("Verify() rejected the expected signature")
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"comment.added","data":{"body":"hi"}}`)
	good := webhook.Sign(testSecret, body)
	hexOnly := strings.TrimPrefix(good, "sha256=")
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{name: "valid", secret: testSecret, body: body, header: good, want: true},
		{name: "tampered body", secret: testSecret, body: []byte(`{"event":"comment.added","data":{"body":"hI"}}`), header: good},
		{name: "body with trailing newline", secret: testSecret, body: append(append([]byte{}, body...), '\n'), header: good},
		{name: "wrong secret", secret: testSecret + "x", body: body, header: good},
		{name: "secret without its prefix", secret: strings.TrimPrefix(testSecret, "whsec_"), body: body, header: good},
		{name: "header without sha256=", secret: testSecret, body: body, header: hexOnly},
		{name: "uppercase hex", secret: testSecret, body: body, header: "sha256=" + strings.ToUpper(hexOnly)},
		{name: "uppercase prefix", secret: testSecret, body: body, header: "SHA256=" + hexOnly},
		{name: "surrounding space", secret: testSecret, body: body, header: " " + good},
		{name: "two signatures", secret: testSecret, body: body, header: good + "," + good},
		{name: "truncated", secret: testSecret, body: body, header: good[:len(good)-1]},
		{name: "empty header", secret: testSecret, body: body, header: ""},
		{name: "empty secret", secret: "", body: body, header: webhook.Sign("", body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := webhook.Verify(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("Verify() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignFormat(t *testing.T) {
	t.Parallel()
	for range 100 {
		sig := webhook.Sign(webhook.NewSecret(), []byte(webhook.NewID("x")))
		hex, ok := strings.CutPrefix(sig, "sha256=")
		if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
			t.Fatalf("Sign() = %q, want sha256= and 64 lowercase hex digits", sig)
		}
	}
}
