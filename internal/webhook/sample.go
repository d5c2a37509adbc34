package webhook

import (
	"bytes"
	"encoding/json"
	"sync"
)

// sampleUserID is the userId in the examples of webhooks.md.
const sampleUserID = "user_2yPcKa4qR8w3vXk5"

// examples holds the data of each example in webhooks.md, copied verbatim.
var examples = map[string]string{
	EventRecordingCompleted: `{
    "recordingId": "cmokuzps0000355mi4lufpkqa",
    "userId": "user_2yPcKa4qR8w3vXk5",
    "title": "Walking through the deploy pipeline",
    "kind": "video",
    "source": "extension",
    "sourceUrl": "https://github.com/yourorg/yourapp/actions/runs/1234567",
    "sourceDomain": "github.com",
    "durationSec": 412,
    "tags": ["ops", "deploy"],
    "starred": false,
    "summary": "Stepped through the GitHub Actions run that failed at the migrate step...",
    "counts": { "transcriptTurns": 84, "frames": 18, "artifacts": 6 },
    "links": {
      "appUrl": "https://clipcabinet.com/recordings/cmokuzps0000355mi4lufpkqa",
      "shareUrl": null
    },
    "createdAt": "2026-04-30T21:53:22.108Z"
  }`,
	EventRecordingFailed: `{
    "recordingId": "cmokuzps0000355mi4lufpka",
    "userId": "user_2yPcKa4qR8w3vXk5",
    "title": null,
    "kind": "video",
    "errorMessage": "Transcribe step exceeded the 10-minute timeout",
    "createdAt": "2026-04-30T21:53:22.108Z"
  }`,
	EventCommentAdded: `{
    "commentId": "cmt_3kLpQv8aWmZ7t",
    "recordingId": "cmokuzps0000355mi4lufpkqa",
    "recordingTitle": "Walking through the deploy pipeline",
    "authorName": "Jamie",
    "body": "What was the env var that was unset?",
    "timestampMs": 184500,
    "links": {
      "appUrl": "https://clipcabinet.com/recordings/cmokuzps0000355mi4lufpkqa"
    },
    "createdAt": "2026-04-30T22:04:51.512Z"
  }`,
}

// canonicalExamples is examples in canonical form, computed once.
var canonicalExamples = sync.OnceValue(func() map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(examples))
	for event, data := range examples {
		canonical, errs := ValidateData(event, json.RawMessage(data))
		if errs != nil {
			panic("webhook: example for " + event + " does not validate") // caught by the tests
		}
		m[event] = canonical
	}
	return m
})

// SampleData returns the data of the webhooks.md example for event in
// canonical form, with userId replaced by userID for the recording.* events
// (comment.added has no userId). An empty userID keeps the example's. It
// returns nil for an unknown event. The "send test event" button delivers it.
func SampleData(event, userID string) json.RawMessage {
	canonical, ok := canonicalExamples()[event]
	if !ok {
		return nil
	}
	out := bytes.Clone(canonical)
	if userID == "" || userID == sampleUserID {
		return out
	}
	member := appendString([]byte(`"userId":`), userID)
	return bytes.Replace(out, []byte(`"userId":"`+sampleUserID+`"`), member, 1)
}
