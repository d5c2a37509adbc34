package webhook

import (
	"bytes"
	"encoding/json"
	"strings"
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

// Test ids. The data of a test event sent from the dashboard says it is
// one: its recordingId starts with TestRecordingIDPrefix and its commentId
// with TestCommentIDPrefix, so a receiver can tell it from a real event.
// webhooks.md gives no format for either id (recordingId is a non-empty
// string, commentId a string), so these are within the contract; and no
// real id can start so: the spec's recording ids have no underscore and its
// comment ids are "cmt_" and base62, which has none either. userId stays
// the user's own and deliveryId keeps its documented form.
const (
	TestRecordingIDPrefix = "rec_test_"
	TestCommentIDPrefix   = "cmt_test_"
)

// TestIDs are the fields of test data whose value starts with a test
// prefix, by path.
var TestIDs = map[string]string{
	"data.recordingId": TestRecordingIDPrefix,
	"data.commentId":   TestCommentIDPrefix,
}

// testIDs turns the ids in examples into test ids, links.appUrl's
// recording included.
var testIDs = strings.NewReplacer(
	"cmokuzps0000355mi4lufpkqa", TestRecordingIDPrefix+"cmokuzps0000355mi4lufpkqa",
	"cmokuzps0000355mi4lufpka", TestRecordingIDPrefix+"cmokuzps0000355mi4lufpka",
	"cmt_3kLpQv8aWmZ7t", TestCommentIDPrefix+"3kLpQv8aWmZ7t",
)

// canonicalExamples and canonicalTestExamples are the examples, and the
// examples with test ids, in canonical form, computed once.
var (
	canonicalExamples     = sync.OnceValue(func() map[string]json.RawMessage { return canonical(examples, nil) })
	canonicalTestExamples = sync.OnceValue(func() map[string]json.RawMessage { return canonical(examples, testIDs) })
)

func canonical(examples map[string]string, ids *strings.Replacer) map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(examples))
	for event, data := range examples {
		if ids != nil {
			data = ids.Replace(data)
		}
		canonical, errs := ValidateData(event, json.RawMessage(data))
		if errs != nil {
			panic("webhook: example for " + event + " does not validate") // caught by the tests
		}
		m[event] = canonical
	}
	return m
}

// SampleData returns the data of the webhooks.md example for event in
// canonical form, with userId replaced by userID for the recording.* events
// (comment.added has no userId). An empty userID keeps the example's. It
// returns nil for an unknown event. The API's test route sends it (api.md:
// "the spec's example, with this user's ids").
func SampleData(event, userID string) json.RawMessage {
	return withUser(canonicalExamples()[event], userID)
}

// TestEventData is [SampleData] with test ids (see TestRecordingIDPrefix):
// the example the dashboard's event catalogue shows and its test-event
// form starts from.
func TestEventData(event, userID string) json.RawMessage {
	return withUser(canonicalTestExamples()[event], userID)
}

// withUser returns a copy of canonical data with the example's userId
// replaced by userID; nil for nil.
func withUser(canonical json.RawMessage, userID string) json.RawMessage {
	if canonical == nil {
		return nil
	}
	out := bytes.Clone(canonical)
	if userID == "" || userID == sampleUserID {
		return out
	}
	member := appendString([]byte(`"userId":`), userID)
	return bytes.Replace(out, []byte(`"userId":"`+sampleUserID+`"`), member, 1)
}
