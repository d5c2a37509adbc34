package webhook_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// example is one payload example from webhooks.md, copied verbatim into
// testdata/<event>.json.
type example struct {
	raw        []byte          // the file as in the spec
	compact    []byte          // the whole payload compacted
	event      string          // its "event"
	deliveryID string          // its "deliveryId"
	occurredAt string          // its "occurredAt"
	data       json.RawMessage // its "data", formatted as in the spec
}

func loadExample(t testing.TB, event string) example {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", event+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Event      string          `json:"event"`
		DeliveryID string          `json:"deliveryId"`
		OccurredAt string          `json:"occurredAt"`
		Data       json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	return example{
		raw:        raw,
		compact:    compact(t, raw),
		event:      env.Event,
		deliveryID: env.DeliveryID,
		occurredAt: env.OccurredAt,
		data:       env.Data,
	}
}

func compact(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
