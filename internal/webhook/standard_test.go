package webhook_test

import (
	"testing"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestSignStandard checks the Standard Webhooks signature against the
// example the specification's reference libraries test with.
func TestSignStandard(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts     = 1614265330
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	key, ok := webhook.StandardKey(secret)
	if !ok {
		t.Fatalf("StandardKey(%q) not ok", secret)
	}
	if got := webhook.SignStandard(key, id, ts, []byte(body)); got != want {
		t.Fatalf("SignStandard = %q, want %q", got, want)
	}
	other, _ := webhook.StandardKey(webhook.NewSecret())
	both := webhook.StandardSignatures([][]byte{other, key}, id, ts, []byte(body))
	if !webhook.VerifyStandard(key, id, ts, []byte(body), both) || !webhook.VerifyStandard(other, id, ts, []byte(body), both) {
		t.Fatalf("either key must verify %q", both)
	}
	if webhook.VerifyStandard(key, id, ts+1, []byte(body), both) {
		t.Fatal("another timestamp verified")
	}
}

func TestStandardKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret string
		want         bool
	}{
		{"new secret", webhook.NewSecret(), true},
		{"older base62 secret", "whsec_" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", false},
		{"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false},
		{"too short", "whsec_AAAA", false},
		{"not base64", "whsec_!!!!MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := webhook.IsStandardSecret(tt.secret); got != tt.want {
				t.Errorf("IsStandardSecret(%q) = %v, want %v", tt.secret, got, tt.want)
			}
		})
	}
}
