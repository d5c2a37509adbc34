package webhook_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

func FuzzValidateData(f *testing.F) {
	for _, event := range webhook.EventTypes {
		ex := loadExample(f, event)
		f.Add(event, []byte(ex.data))
	}
	f.Fuzz(func(t *testing.T, event string, data []byte) {
		out, errs := webhook.ValidateData(event, json.RawMessage(data))
		if errs != nil {
			if out != nil {
				t.Fatalf("ValidateData() returned output %q with errors %v", out, errs)
			}
			if len(errs) == 0 {
				t.Fatal("ValidateData() returned an empty, non-nil FieldErrors")
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("ValidateData() output is not JSON: %q", out)
		}
		again, errs := webhook.ValidateData(event, out)
		if errs != nil {
			t.Fatalf("output does not re-validate: %v\n%q", errs, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("output changed on re-validation:\n got %q\nwant %q", again, out)
		}
	})
}

func FuzzVerify(f *testing.F) {
	body := loadExample(f, webhook.EventCommentAdded).compact
	f.Add(testSecret, body, webhook.Sign(testSecret, body))
	f.Add("whsec_x", []byte{}, "sha256=")
	f.Add("", []byte("{}"), "")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		sig := webhook.Sign(secret, body)
		ok := webhook.Verify(secret, body, header)
		if ok && header != sig {
			t.Fatalf("Verify() accepted %q, want only %q", header, sig)
		}
		if got := webhook.Verify(secret, body, sig); got != (secret != "") {
			t.Fatalf("Verify(secret, body, Sign(secret, body)) = %v for secret %q", got, secret)
		}
	})
}
