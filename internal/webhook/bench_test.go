package webhook_test

import (
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

func BenchmarkSign1KiB(b *testing.B) {
	secret := webhook.NewSecret()
	body := webhook.RenderBody(webhook.EventRecordingCompleted, webhook.NewID("del_"), time.Now(),
		webhook.SampleData(webhook.EventRecordingCompleted, "user_2yPcKa4qR8w3vXk5"))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		webhook.Sign(secret, body)
	}
}

func BenchmarkValidateAndRender(b *testing.B) {
	data := webhook.SampleData(webhook.EventRecordingCompleted, "user_2yPcKa4qR8w3vXk5")
	now := time.Now()
	for b.Loop() {
		canon, bad := webhook.ValidateData(webhook.EventRecordingCompleted, data)
		if bad != nil {
			b.Fatal(bad)
		}
		webhook.RenderBody(webhook.EventRecordingCompleted, "del_2YwK3pQ8r5n6mZ4a", now, canon)
	}
}
