package webhook_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

func TestFormatTime(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{name: "spec example", t: time.Date(2026, 4, 30, 22, 0, 14, 512_000_000, time.UTC), want: "2026-04-30T22:00:14.512Z"},
		{name: "whole second keeps three digits", t: time.Date(2026, 4, 30, 22, 0, 14, 0, time.UTC), want: "2026-04-30T22:00:14.000Z"},
		{name: "sub-millisecond truncated", t: time.Date(2026, 4, 30, 22, 0, 14, 999_999_999, time.UTC), want: "2026-04-30T22:00:14.999Z"},
		{name: "small fraction padded", t: time.Date(2026, 1, 2, 3, 4, 5, 7_000_000, time.UTC), want: "2026-01-02T03:04:05.007Z"},
		{name: "other zone converted to UTC", t: time.Date(2026, 5, 1, 0, 0, 14, 512_000_000, berlin), want: "2026-04-30T22:00:14.512Z"},
		{name: "local zone converted to UTC", t: time.Date(2026, 4, 30, 22, 0, 14, 512_000_000, time.UTC).Local(), want: "2026-04-30T22:00:14.512Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := webhook.FormatTime(tt.t); got != tt.want {
				t.Errorf("FormatTime() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRenderBodySpecExamples(t *testing.T) {
	t.Parallel()
	for _, event := range webhook.EventTypes {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			ex := loadExample(t, event)
			data, errs := webhook.ValidateData(ex.event, ex.data)
			if errs != nil {
				t.Fatalf("ValidateData() errors: %v", errs)
			}
			occurredAt, err := time.Parse(time.RFC3339, ex.occurredAt)
			if err != nil {
				t.Fatal(err)
			}
			got := webhook.RenderBody(ex.event, ex.deliveryID, occurredAt, data)
			if !bytes.Equal(got, ex.compact) {
				t.Errorf("RenderBody()\n got %s\nwant %s", got, ex.compact)
			}
		})
	}
}

func TestRenderBody(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 30, 22, 0, 14, 512_345_678, time.UTC)
	tests := []struct {
		name string
		data json.RawMessage
		want string
	}{
		{
			name: "html in data stays literal",
			data: json.RawMessage(`{"body":"<b>&</b>"}`),
			want: `{"event":"comment.added","deliveryId":"del_M5pK2bN9wHfRa1Jx","occurredAt":"2026-04-30T22:00:14.512Z","data":{"body":"<b>&</b>"}}`,
		},
		{
			name: "empty data",
			data: nil,
			want: `{"event":"comment.added","deliveryId":"del_M5pK2bN9wHfRa1Jx","occurredAt":"2026-04-30T22:00:14.512Z","data":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := webhook.RenderBody(webhook.EventCommentAdded, "del_M5pK2bN9wHfRa1Jx", at, tt.data)
			if string(got) != tt.want {
				t.Errorf("RenderBody()\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSampleData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		event  string
		userID string
		// want is the spec example's data with these replacements.
		from, to string
	}{
		{name: "recording.completed as in the spec", event: completed, userID: "user_2yPcKa4qR8w3vXk5"},
		{name: "recording.completed for another user", event: completed, userID: "user_AAAAbbbbCCCCdddd",
			from: `"userId":"user_2yPcKa4qR8w3vXk5"`, to: `"userId":"user_AAAAbbbbCCCCdddd"`},
		{name: "recording.completed without a user", event: completed, userID: ""},
		{name: "recording.failed for another user", event: failed, userID: "user_<&>",
			from: `"userId":"user_2yPcKa4qR8w3vXk5"`, to: `"userId":"user_<&>"`},
		{name: "comment.added has no userId", event: comment, userID: "user_AAAAbbbbCCCCdddd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := compact(t, loadExample(t, tt.event).data)
			if tt.from != "" {
				want = bytes.Replace(want, []byte(tt.from), []byte(tt.to), 1)
			}
			got := webhook.SampleData(tt.event, tt.userID)
			if !bytes.Equal(got, want) {
				t.Errorf("SampleData()\n got %s\nwant %s", got, want)
			}
			checkCanonical(t, tt.event, got)

			// The result is the caller's: changing it changes no later answer.
			got[0] = 'X'
			if again := webhook.SampleData(tt.event, tt.userID); !bytes.Equal(again, want) {
				t.Errorf("SampleData() after mutation = %s", again)
			}
		})
	}
	if got := webhook.SampleData("nope", "user_x"); got != nil {
		t.Errorf("SampleData(unknown) = %s, want nil", got)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	want := []string{"recording.completed", "recording.failed", "comment.added"}
	if len(webhook.EventTypes) != len(want) {
		t.Fatalf("EventTypes = %v, want %v", webhook.EventTypes, want)
	}
	for i, e := range want {
		if webhook.EventTypes[i] != e {
			t.Errorf("EventTypes[%d] = %s, want %s", i, webhook.EventTypes[i], e)
		}
	}
	tests := []struct {
		name  string
		event string
		want  bool
	}{
		{name: "completed", event: "recording.completed", want: true},
		{name: "failed", event: "recording.failed", want: true},
		{name: "comment", event: "comment.added", want: true},
		{name: "empty", event: ""},
		{name: "other case", event: "Comment.Added"},
		{name: "unknown", event: "recording.deleted"},
		{name: "trailing space", event: "comment.added "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := webhook.KnownEvent(tt.event); got != tt.want {
				t.Errorf("KnownEvent(%q) = %v, want %v", tt.event, got, tt.want)
			}
		})
	}
}
