package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// referenceParsePublish is how apiEventPublish read and checked a request
// before parsePublish: decodeJSON, ValidateData, then the canonical data
// decoded again for its ids. It is the oracle of the tests below and, with
// the ValidateData of that time, the baseline of BenchmarkParsePublish.
// (internal/webhook checks ValidateData against its own former version.)
func referenceParsePublish(w http.ResponseWriter, r *http.Request) (store.Publish, error) {
	var in struct {
		Event      string          `json:"event"`
		Data       json.RawMessage `json:"data"`
		UserID     *string         `json:"userId"`
		OccurredAt *string         `json:"occurredAt"`
	}
	raw, err := decodeJSON(w, r, &in)
	if err != nil {
		return store.Publish{}, err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		return store.Publish{}, errValidation(map[string]string{"Idempotency-Key": "must be at most 255 characters"})
	}

	fields := map[string]string{}
	if in.Event == "" {
		fields["event"] = "is required"
	} else if !webhook.KnownEvent(in.Event) {
		fields["event"] = "unknown event type " + quote(in.Event)
	}
	var data json.RawMessage
	if len(in.Data) == 0 || string(in.Data) == "null" {
		fields["data"] = "is required"
	} else if fields["event"] == "" {
		var bad webhook.FieldErrors
		data, bad = webhook.ValidateData(in.Event, in.Data)
		for k, v := range bad {
			fields[k] = v
		}
	}
	occurredAt := time.Now().UTC()
	if in.OccurredAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.OccurredAt)
		if err != nil {
			fields["occurredAt"] = "must be an RFC 3339 time such as 2026-04-30T22:00:14.512Z"
		}
		occurredAt = t.UTC()
	}
	var head struct {
		UserID      string `json:"userId"`
		RecordingID string `json:"recordingId"`
	}
	if len(data) > 0 {
		_ = json.Unmarshal(data, &head) // validated above
	}
	if !storableText(head.RecordingID) {
		head.RecordingID = ""
	}
	owner := head.UserID
	switch {
	case in.UserID != nil && *in.UserID == "":
		fields["userId"] = "must not be empty"
	case in.Event == webhook.EventCommentAdded && in.UserID == nil:
		fields["userId"] = "is required for comment.added"
	case in.UserID != nil && head.UserID != "" && *in.UserID != head.UserID:
		fields["userId"] = "must equal data.userId"
	case in.UserID != nil:
		owner = *in.UserID
	}
	if len(fields) > 0 {
		return store.Publish{}, errValidation(fields)
	}
	if !storableText(owner) {
		return store.Publish{}, &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "no user " + quote(owner)}
	}
	hash := sha256.Sum256(raw)
	return store.Publish{
		Event: in.Event, UserID: owner, Data: data, OccurredAt: occurredAt, RecordingID: head.RecordingID,
		IdempotencyKey: key, RequestHash: hash[:],
	}, nil
}

// publishBodies are request bodies around the usual one: every shape the
// fast path takes and many it must hand to decodeJSON.
func publishBodies() [][]byte {
	const user = "user_2yPcKa4qR8w3vXk5"
	completed := string(webhook.SampleData(webhook.EventRecordingCompleted, user))
	failed := string(webhook.SampleData(webhook.EventRecordingFailed, user))
	comment := string(webhook.SampleData(webhook.EventCommentAdded, ""))
	bodies := []string{
		`{"event":"recording.completed","data":` + completed + `}`,
		`{"event":"recording.completed","userId":"` + user + `","data":` + completed + `}`,
		"\n {\r\n\t\"data\" :\n" + completed + " , \"event\"\t:\"recording.completed\" , \"occurredAt\" : \"2026-04-30T22:00:14.512+02:00\"}\n",
		`{"event":"recording.failed","data":` + failed + `,"occurredAt":null,"userId":null}`,
		`{"event":"recording.failed","data":` + failed + `,"occurredAt":"2026-04-30T22:00:14.512345678Z"}`,
		`{"event":"recording.failed","data":` + failed + `,"occurredAt":"yesterday"}`,
		`{"event":"recording.failed","data":` + failed + `,"occurredAt":5}`,
		`{"event":"comment.added","userId":"` + user + `","data":` + comment + `}`,
		`{"event":"comment.added","data":` + comment + `}`,
		`{"event":"comment.added","userId":"","data":` + comment + `}`,
		`{"event":"comment.added","userId":"user_\u00e9\ud83c\udfac","data":` + comment + `}`,
		`{"event":"comment.added","userId":"user_` + "\xff" + `","data":` + comment + `}`,
		`{"event":"comment.added","userId":"user_\u0000","data":` + comment + `}`,
		`{"event":"comment.added","userId":7,"data":` + comment + `}`,
		`{"event":"recording.completed","userId":"user_other","data":` + completed + `}`,
		`{"event":"recording.completed","data":` + strings.Replace(completed, user, `user_\u0000`, 1) + `}`,
		`{"event":"recording.completed","data":` + strings.Replace(completed, "cmokuzps0000355mi4lufpkqa", `cm\u0000`, 1) + `}`,
		`{"event":"recording.completed","data":` + strings.Replace(completed, "cmokuzps0000355mi4lufpkqa", "cm\xff", 1) + `}`,
		`{"event":"recording.completed","data":` + strings.Replace(completed, `"title":"`, `"title":"<&>\u2028`, 1) + `}`,
		`{"event":"recording.completed","data":` + strings.Replace(completed, `"kind":"video"`, `"kind":"audio"`, 1) + `}`,
		`{"event":"recording.deleted","data":` + completed + `}`,
		`{"event":"rec\u006frding.completed","data":` + completed + `}`,
		`{"event":null,"data":` + completed + `}`,
		`{"event":["recording.completed"],"data":` + completed + `}`,
		`{"data":` + completed + `}`,
		`{"event":"recording.completed"}`,
		`{"event":"recording.completed","data":null}`,
		`{"event":"recording.completed","data":[1]}`,
		`{"event":"recording.completed","data":"{}"}`,
		`{"event":"recording.completed","data":1e999}`,
		`{"event":"recording.completed","data":{}}`,
		`{"event":"recording.completed","event":"recording.completed","data":` + completed + `}`,
		`{"event":"recording.completed","data":` + completed + `,"data":` + completed + `}`,
		`{"Event":"recording.completed","data":` + completed + `}`,
		`{"EVENT":"recording.completed","data":` + completed + `}`,
		`{"\u0065vent":"recording.completed","data":` + completed + `}`,
		`{"event":"recording.completed","data":` + completed + `,"when":"now"}`,
		`{"event":"recording.completed","data":` + completed + `,"":1}`,
		`{"event":"recording.completed","data":` + completed + `} `,
		`{"event":"recording.completed","data":` + completed + `}}`,
		`{"event":"recording.completed","data":` + completed + `}{}`,
		`{"event":"recording.completed","data":` + completed + `} x`,
		`{"event":"recording.completed","data":` + completed + `],`,
		"\xef\xbb\xbf{\"event\":\"recording.completed\",\"data\":" + completed + `}`,
		`{"event":"recording.completed","data":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"event":"recording.completed","data":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		`{"event":`, `{"event"`, `{`, `}`, `[]`, `null`, `""`, `1`, ``, ` `, `{}`, `{"event":"x","data":{},"occurredAt":"yesterday"}`,
		`{"event":"comment.added","userId":"` + user + `","data":{"timestampMs":-1}}`,
		`{"event":"recording.failed","data":{"title":1e999}}`,
		`{"event":"recording.completed","data":{"userId":"user_\u0000"}}`,
	}
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		out[i] = []byte(b)
	}
	return out
}

// parseBoth runs parsePublish and the reference on the same request.
func parseBoth(t *testing.T, body func() io.Reader, key string) {
	t.Helper()
	call := func(parse func(http.ResponseWriter, *http.Request) (store.Publish, error)) (store.Publish, error) {
		r := httptest.NewRequest("POST", "/api/v1/events", body())
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		return parse(httptest.NewRecorder(), r)
	}
	got, gotErr := call(parsePublish)
	want, wantErr := call(referenceParsePublish)
	// Without occurredAt both take the time of the call.
	if d := got.OccurredAt.Sub(want.OccurredAt); d != 0 && d.Abs() < time.Minute && time.Since(got.OccurredAt) < time.Minute {
		got.OccurredAt = want.OccurredAt
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
		head, _ := io.ReadAll(io.LimitReader(body(), 300))
		t.Fatalf("body %q:\n got %+v %#v\nwant %+v %#v", head, got, gotErr, want, wantErr)
	}
}

func TestParsePublishMatchesReference(t *testing.T) {
	t.Parallel()
	for _, b := range publishBodies() {
		parseBoth(t, func() io.Reader { return bytes.NewReader(b) }, "")
	}
	ok := publishBodies()[0]
	parseBoth(t, func() io.Reader { return bytes.NewReader(ok) }, "order-1234")
	parseBoth(t, func() io.Reader { return bytes.NewReader(ok) }, strings.Repeat("k", 256))

	// The 1 MiB limit, and a body that cannot be read to its end.
	pad := func(n int) []byte {
		return append(ok[:len(ok)-1:len(ok)-1], append(bytes.Repeat([]byte(" "), n-len(ok)), '}')...)
	}
	for _, n := range []int{maxBody - 1, maxBody, maxBody + 1, 3 * maxBody} {
		b := pad(n)
		parseBoth(t, func() io.Reader { return bytes.NewReader(b) }, "")
	}
	broken := errors.New("connection reset")
	parseBoth(t, func() io.Reader { return io.MultiReader(bytes.NewReader(ok[:40]), iotest.ErrReader(broken)) }, "")
}

// FuzzParsePublish: parsePublish answers as the reference does, whatever
// the body. It needs no database.
func FuzzParsePublish(f *testing.F) {
	for _, b := range publishBodies() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		parseBoth(t, func() io.Reader { return bytes.NewReader(body) }, "")
	})
}

// BenchmarkParsePublish measures the Go side of POST /api/v1/events before
// the database: reading, decoding and validating the usual request.
func BenchmarkParsePublish(b *testing.B) {
	body := publishBodies()[1]
	for _, bench := range []struct {
		name  string
		parse func(http.ResponseWriter, *http.Request) (store.Publish, error)
	}{
		{"reference", referenceParsePublish},
		{"current", parsePublish},
	} {
		b.Run(bench.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/api/v1/events", nil)
			for b.Loop() {
				r.Body = io.NopCloser(bytes.NewReader(body))
				if _, err := bench.parse(w, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
