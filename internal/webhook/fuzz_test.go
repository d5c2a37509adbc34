package webhook_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

func FuzzValidateData(f *testing.F) {
	for _, event := range webhook.EventTypes {
		ex := loadExample(f, event)
		f.Add(event, []byte(ex.data))
	}
	f.Fuzz(func(t *testing.T, event string, data []byte) {
		out, errs := webhook.ValidateData(event, json.RawMessage(data))
		wantOut, wantErrs := webhook.ReferenceValidateData(event, json.RawMessage(data))
		if !bytes.Equal(out, wantOut) || (out == nil) != (wantOut == nil) ||
			!maps.Equal(errs, wantErrs) || (errs == nil) != (wantErrs == nil) {
			t.Fatalf("ValidateData() differs from the reference implementation:\n got %q %v\nwant %q %v", out, errs, wantOut, wantErrs)
		}
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

// FuzzRenderBody: RenderBody writes the same bytes as the reference
// implementation, whatever the strings and the time.
func FuzzRenderBody(f *testing.F) {
	for _, event := range webhook.EventTypes {
		ex := loadExample(f, event)
		f.Add(ex.event, ex.deliveryID, int64(1777586414512), []byte(ex.data))
	}
	f.Add("<&>", "del_\u2028\xff\"\\\x00\x7f", int64(-62135596800001), []byte(nil))
	f.Add("", "", int64(253402300800000), []byte(`{}`))
	f.Fuzz(func(t *testing.T, event, deliveryID string, unixMilli int64, data []byte) {
		at := time.UnixMilli(unixMilli)
		got := webhook.RenderBody(event, deliveryID, at, data)
		want := webhook.ReferenceRenderBody(event, deliveryID, at, data)
		if !bytes.Equal(got, want) {
			t.Fatalf("RenderBody() differs from the reference implementation:\n got %q\nwant %q", got, want)
		}
	})
}
