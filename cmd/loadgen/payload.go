package main

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// loadData is recording.completed data whose title carries the due time and
// whose summary pads the delivery body to about size bytes.
func loadData(userID string, dueUnixNano int64, size int) json.RawMessage {
	var m map[string]any
	_ = json.Unmarshal(webhook.SampleData(webhook.EventRecordingCompleted, userID), &m)
	m["title"] = "load t=" + strconv.FormatInt(dueUnixNano, 10)
	base, _ := json.Marshal(m)
	pad := size - len(base) - 120 // envelope: event, deliveryId, occurredAt
	if pad > 0 {
		m["summary"] = strings.Repeat("x", pad)
	}
	raw, _ := json.Marshal(m)
	canon, bad := webhook.ValidateData(webhook.EventRecordingCompleted, raw)
	if bad != nil {
		panic(bad)
	}
	return canon
}
