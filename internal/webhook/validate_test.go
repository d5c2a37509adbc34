package webhook_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// mutate returns the data of the spec example for event after change has
// edited it. Key order is lost, which these tests do not care about.
func mutate(t testing.TB, event string, change func(m map[string]any)) json.RawMessage {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(loadExample(t, event).data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	change(m)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func set(key string, value any) func(map[string]any) {
	return func(m map[string]any) { m[key] = value }
}

func del(key string) func(map[string]any) {
	return func(m map[string]any) { delete(m, key) }
}

// in applies change to the nested object m[key].
func in(key string, change func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) { change(m[key].(map[string]any)) }
}

func all(changes ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, c := range changes {
			c(m)
		}
	}
}

const (
	completed = webhook.EventRecordingCompleted
	failed    = webhook.EventRecordingFailed
	comment   = webhook.EventCommentAdded
)

func TestValidateDataSpecExamples(t *testing.T) {
	t.Parallel()
	for _, event := range webhook.EventTypes {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			ex := loadExample(t, event)
			want := compact(t, ex.data)

			got, errs := webhook.ValidateData(event, ex.data)
			if errs != nil {
				t.Fatalf("ValidateData(spec example) errors: %v", errs)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ValidateData(spec example)\n got %s\nwant %s", got, want)
			}

			// The same data with its keys sorted alphabetically (json.Marshal
			// sorts map keys) comes back in schema order.
			var m map[string]json.RawMessage
			if err := json.Unmarshal(ex.data, &m); err != nil {
				t.Fatal(err)
			}
			sorted, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(compact(t, sorted), want) {
				t.Fatal("test is useless: sorting did not reorder the keys")
			}
			got, errs = webhook.ValidateData(event, sorted)
			if errs != nil {
				t.Fatalf("ValidateData(sorted keys) errors: %v", errs)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ValidateData(sorted keys)\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestValidateDataNestedOrder(t *testing.T) {
	t.Parallel()
	data := `{"createdAt":"2026-04-30T21:53:22.108Z",
	  "links":{"shareUrl":null,"appUrl":"https://clipcabinet.com/recordings/cmokuzps0000355mi4lufpkqa"},
	  "counts":{"artifacts":6,"frames":18,"transcriptTurns":84},
	  "summary":"Stepped through the GitHub Actions run that failed at the migrate step...",
	  "starred":false,"tags":["ops","deploy"],"durationSec":412,"sourceDomain":"github.com",
	  "sourceUrl":"https://github.com/yourorg/yourapp/actions/runs/1234567","source":"extension",
	  "kind":"video","title":"Walking through the deploy pipeline",
	  "userId":"user_2yPcKa4qR8w3vXk5","recordingId":"cmokuzps0000355mi4lufpkqa"}`
	want := compact(t, loadExample(t, completed).data)
	got, errs := webhook.ValidateData(completed, json.RawMessage(data))
	if errs != nil {
		t.Fatalf("ValidateData() errors: %v", errs)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("ValidateData()\n got %s\nwant %s", got, want)
	}
}

func TestValidateData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		data  json.RawMessage
		// wantErrs nil means the data is valid.
		wantErrs webhook.FieldErrors
		// wantOutput, if set, must appear in the canonical output.
		wantOutput string
	}{
		// Events and the data as a whole.
		{name: "unknown event", event: "recording.deleted", data: loadExample(t, completed).data,
			wantErrs: webhook.FieldErrors{"event": "must be one of recording.completed, recording.failed, comment.added"}},
		{name: "empty event", event: "", data: json.RawMessage(`{}`),
			wantErrs: webhook.FieldErrors{"event": "is required"}},
		{name: "event with other case", event: "Recording.Completed", data: loadExample(t, completed).data,
			wantErrs: webhook.FieldErrors{"event": "must be one of recording.completed, recording.failed, comment.added"}},
		{name: "data missing", event: completed, data: nil,
			wantErrs: webhook.FieldErrors{"data": "is required"}},
		{name: "data null", event: completed, data: json.RawMessage(`null`),
			wantErrs: webhook.FieldErrors{"data": "must be an object"}},
		{name: "data array", event: completed, data: json.RawMessage(`[{"recordingId":"x"}]`),
			wantErrs: webhook.FieldErrors{"data": "must be an object"}},
		{name: "data string", event: failed, data: json.RawMessage(`"{}"`),
			wantErrs: webhook.FieldErrors{"data": "must be an object"}},
		{name: "data number", event: comment, data: json.RawMessage(`42`),
			wantErrs: webhook.FieldErrors{"data": "must be an object"}},
		{name: "data malformed", event: comment, data: json.RawMessage(`{"commentId":`),
			wantErrs: webhook.FieldErrors{"data": "must be valid JSON"}},
		{name: "data with trailing value", event: comment, data: json.RawMessage(`{} {}`),
			wantErrs: webhook.FieldErrors{"data": "must be valid JSON"}},
		{name: "empty object", event: failed, data: json.RawMessage(` {} `),
			wantErrs: webhook.FieldErrors{
				"data.recordingId": "is required", "data.userId": "is required", "data.title": "is required",
				"data.kind": "is required", "data.errorMessage": "is required", "data.createdAt": "is required",
			}},

		// Missing, extra and repeated fields.
		{name: "missing title", event: completed, data: mutate(t, completed, del("title")),
			wantErrs: webhook.FieldErrors{"data.title": "is required"}},
		{name: "missing timestampMs", event: comment, data: mutate(t, comment, del("timestampMs")),
			wantErrs: webhook.FieldErrors{"data.timestampMs": "is required"}},
		{name: "extra field", event: completed, data: mutate(t, completed, set("extraField", 1)),
			wantErrs: webhook.FieldErrors{"data.extraField": "is not allowed"}},
		{name: "extra field even if null", event: failed, data: mutate(t, failed, set("summary", nil)),
			wantErrs: webhook.FieldErrors{"data.summary": "is not allowed"}},
		{name: "userId in comment.added", event: comment, data: mutate(t, comment, set("userId", "user_2yPcKa4qR8w3vXk5")),
			wantErrs: webhook.FieldErrors{"data.userId": "is not allowed"}},
		{name: "field name with other case", event: comment, data: mutate(t, comment, all(del("body"), set("Body", "x"))),
			wantErrs: webhook.FieldErrors{"data.body": "is required", "data.Body": "is not allowed"}},
		{name: "odd extra key", event: failed, data: mutate(t, failed, set("a.b", true)),
			wantErrs: webhook.FieldErrors{`data["a.b"]`: "is not allowed"}},
		{name: "empty extra key", event: failed, data: mutate(t, failed, set("", true)),
			wantErrs: webhook.FieldErrors{`data[""]`: "is not allowed"}},
		{name: "repeated key", event: failed,
			data:     json.RawMessage(`{"recordingId":"r","userId":"user_1","title":"a","title":"b","kind":"video","errorMessage":"e","createdAt":"2026-04-30T21:53:22.108Z"}`),
			wantErrs: webhook.FieldErrors{"data.title": "must appear only once"}},
		{name: "repeated nested key", event: comment,
			data:     mutate(t, comment, set("links", json.RawMessage(`{"appUrl":"a","appUrl":"a"}`))),
			wantErrs: webhook.FieldErrors{"data.links.appUrl": "must appear only once"}},

		// Strings.
		{name: "title null in recording.completed", event: completed, data: mutate(t, completed, set("title", nil)),
			wantErrs: webhook.FieldErrors{"data.title": "must not be null"}},
		{name: "title number", event: completed, data: mutate(t, completed, set("title", 42)),
			wantErrs: webhook.FieldErrors{"data.title": "must be a string"}},
		{name: "title string in recording.failed", event: failed, data: mutate(t, failed, set("title", "Deploy")),
			wantOutput: `"title":"Deploy"`},
		{name: "title number in recording.failed", event: failed, data: mutate(t, failed, set("title", 42)),
			wantErrs: webhook.FieldErrors{"data.title": "must be a string or null"}},
		{name: "empty title allowed", event: completed, data: mutate(t, completed, set("title", "")),
			wantOutput: `"title":""`},
		{name: "summary object", event: completed, data: mutate(t, completed, set("summary", map[string]any{})),
			wantErrs: webhook.FieldErrors{"data.summary": "must be a string"}},
		{name: "errorMessage null", event: failed, data: mutate(t, failed, set("errorMessage", nil)),
			wantErrs: webhook.FieldErrors{"data.errorMessage": "must not be null"}},
		{name: "comment body bool", event: comment, data: mutate(t, comment, set("body", false)),
			wantErrs: webhook.FieldErrors{"data.body": "must be a string"}},
		{name: "recordingId empty", event: comment, data: mutate(t, comment, set("recordingId", "")),
			wantErrs: webhook.FieldErrors{"data.recordingId": "must not be empty"}},
		{name: "userId without prefix", event: completed, data: mutate(t, completed, set("userId", "u_2yPcKa4qR8w3vXk5")),
			wantErrs: webhook.FieldErrors{"data.userId": `must be a user id starting with "user_"`}},
		{name: "userId prefix only", event: failed, data: mutate(t, failed, set("userId", "user_")),
			wantErrs: webhook.FieldErrors{"data.userId": `must be a user id starting with "user_"`}},
		{name: "userId any format after prefix", event: failed, data: mutate(t, failed, set("userId", "user_backend-42")),
			wantOutput: `"userId":"user_backend-42"`},
		{name: "kind screenshot", event: completed, data: mutate(t, completed, set("kind", "screenshot")),
			wantOutput: `"kind":"screenshot"`},
		{name: "kind audio", event: completed, data: mutate(t, completed, set("kind", "audio")),
			wantErrs: webhook.FieldErrors{"data.kind": `must be "video" or "screenshot"`}},
		{name: "kind with other case", event: failed, data: mutate(t, failed, set("kind", "Video")),
			wantErrs: webhook.FieldErrors{"data.kind": `must be "video" or "screenshot"`}},
		{name: "createdAt not a time", event: comment, data: mutate(t, comment, set("createdAt", "yesterday")),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be an RFC 3339 timestamp"}},
		{name: "createdAt without zone", event: comment, data: mutate(t, comment, set("createdAt", "2026-04-30T22:04:51.512")),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be an RFC 3339 timestamp"}},
		{name: "createdAt with comma", event: comment, data: mutate(t, comment, set("createdAt", "2026-04-30T22:04:51,512Z")),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be an RFC 3339 timestamp"}},
		{name: "createdAt with offset out of range", event: comment, data: mutate(t, comment, set("createdAt", "2026-04-30T22:04:51+24:00")),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be an RFC 3339 timestamp"}},
		{name: "createdAt lowercase t", event: comment, data: mutate(t, comment, set("createdAt", "2026-04-30t22:04:51Z")),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be an RFC 3339 timestamp"}},
		{name: "createdAt negative offset", event: comment, data: mutate(t, comment, set("createdAt", "2026-04-30T17:04:51.5-05:00")),
			wantOutput: `"createdAt":"2026-04-30T17:04:51.5-05:00"`},
		{name: "createdAt number", event: comment, data: mutate(t, comment, set("createdAt", 1777586691512)),
			wantErrs: webhook.FieldErrors{"data.createdAt": "must be a string"}},
		{name: "createdAt with offset kept unchanged", event: failed, data: mutate(t, failed, set("createdAt", "2026-04-30T23:53:22+02:00")),
			wantOutput: `"createdAt":"2026-04-30T23:53:22+02:00"`},

		// Integers.
		{name: "durationSec zero", event: completed, data: mutate(t, completed, set("durationSec", 0)),
			wantOutput: `"durationSec":0,`},
		{name: "durationSec largest", event: completed, data: mutate(t, completed, set("durationSec", json.Number("9007199254740991"))),
			wantOutput: `"durationSec":9007199254740991,`},
		{name: "durationSec too large", event: completed, data: mutate(t, completed, set("durationSec", json.Number("9007199254740992"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be at most 9007199254740991"}},
		{name: "durationSec huge", event: completed, data: mutate(t, completed, set("durationSec", json.Number("123456789012345678901234567890"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be at most 9007199254740991"}},
		{name: "durationSec string", event: completed, data: mutate(t, completed, set("durationSec", "412")),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec fraction", event: completed, data: mutate(t, completed, set("durationSec", json.Number("412.5"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec whole fraction", event: completed, data: mutate(t, completed, set("durationSec", json.Number("412.0"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec exponent", event: completed, data: mutate(t, completed, set("durationSec", json.Number("4e2"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec negative", event: completed, data: mutate(t, completed, set("durationSec", -1)),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec negative zero", event: completed, data: mutate(t, completed, set("durationSec", json.Number("-0"))),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must be a non-negative integer"}},
		{name: "durationSec null", event: completed, data: mutate(t, completed, set("durationSec", nil)),
			wantErrs: webhook.FieldErrors{"data.durationSec": "must not be null"}},
		{name: "timestampMs bool", event: comment, data: mutate(t, comment, set("timestampMs", true)),
			wantErrs: webhook.FieldErrors{"data.timestampMs": "must be a non-negative integer"}},

		// Booleans and arrays.
		{name: "starred true", event: completed, data: mutate(t, completed, set("starred", true)),
			wantOutput: `"starred":true`},
		{name: "starred string", event: completed, data: mutate(t, completed, set("starred", "false")),
			wantErrs: webhook.FieldErrors{"data.starred": "must be a boolean"}},
		{name: "starred number", event: completed, data: mutate(t, completed, set("starred", 0)),
			wantErrs: webhook.FieldErrors{"data.starred": "must be a boolean"}},
		{name: "tags empty", event: completed, data: mutate(t, completed, set("tags", []string{})),
			wantOutput: `"tags":[],`},
		{name: "tags null", event: completed, data: mutate(t, completed, set("tags", nil)),
			wantErrs: webhook.FieldErrors{"data.tags": "must not be null"}},
		{name: "tags string", event: completed, data: mutate(t, completed, set("tags", "ops")),
			wantErrs: webhook.FieldErrors{"data.tags": "must be an array of strings"}},
		{name: "tags object", event: completed, data: mutate(t, completed, set("tags", map[string]any{"0": "ops"})),
			wantErrs: webhook.FieldErrors{"data.tags": "must be an array of strings"}},
		{name: "tags with a number", event: completed, data: mutate(t, completed, set("tags", []any{"ops", 1, "x", []any{}})),
			wantErrs: webhook.FieldErrors{"data.tags[1]": "must be a string", "data.tags[3]": "must be a string"}},
		{name: "tags with a null", event: completed, data: mutate(t, completed, set("tags", []any{nil, "ops"})),
			wantErrs: webhook.FieldErrors{"data.tags[0]": "must not be null"}},

		// Nested objects.
		{name: "counts null", event: completed, data: mutate(t, completed, set("counts", nil)),
			wantErrs: webhook.FieldErrors{"data.counts": "must not be null"}},
		{name: "counts array", event: completed, data: mutate(t, completed, set("counts", []any{84, 18, 6})),
			wantErrs: webhook.FieldErrors{"data.counts": "must be an object"}},
		{name: "counts missing frames", event: completed, data: mutate(t, completed, in("counts", del("frames"))),
			wantErrs: webhook.FieldErrors{"data.counts.frames": "is required"}},
		{name: "counts extra field", event: completed, data: mutate(t, completed, in("counts", set("comments", 2))),
			wantErrs: webhook.FieldErrors{"data.counts.comments": "is not allowed"}},
		{name: "counts frames negative", event: completed, data: mutate(t, completed, in("counts", set("frames", -1))),
			wantErrs: webhook.FieldErrors{"data.counts.frames": "must be a non-negative integer"}},
		{name: "counts frames null", event: completed, data: mutate(t, completed, in("counts", set("frames", nil))),
			wantErrs: webhook.FieldErrors{"data.counts.frames": "must not be null"}},
		{name: "shareUrl string", event: completed, data: mutate(t, completed, in("links", set("shareUrl", "https://clipcabinet.com/s/abc"))),
			wantOutput: `"shareUrl":"https://clipcabinet.com/s/abc"}`},
		{name: "shareUrl number", event: completed, data: mutate(t, completed, in("links", set("shareUrl", 5))),
			wantErrs: webhook.FieldErrors{"data.links.shareUrl": "must be a string or null"}},
		{name: "shareUrl missing", event: completed, data: mutate(t, completed, in("links", del("shareUrl"))),
			wantErrs: webhook.FieldErrors{"data.links.shareUrl": "is required"}},
		{name: "appUrl null", event: completed, data: mutate(t, completed, in("links", set("appUrl", nil))),
			wantErrs: webhook.FieldErrors{"data.links.appUrl": "must not be null"}},
		{name: "shareUrl in comment.added links", event: comment, data: mutate(t, comment, in("links", set("shareUrl", nil))),
			wantErrs: webhook.FieldErrors{"data.links.shareUrl": "is not allowed"}},
		{name: "links string", event: comment, data: mutate(t, comment, set("links", "https://clipcabinet.com")),
			wantErrs: webhook.FieldErrors{"data.links": "must be an object"}},

		// Several problems at once: one entry per bad field.
		{name: "several errors", event: completed, data: mutate(t, completed, all(
			del("title"), set("kind", 1), set("tags", []any{"a", nil}), in("counts", set("x", 1)), set("extra", nil))),
			wantErrs: webhook.FieldErrors{
				"data.title": "is required", "data.kind": "must be a string", "data.tags[1]": "must not be null",
				"data.counts.x": "is not allowed", "data.extra": "is not allowed",
			}},

		// Strings are re-encoded without HTML escaping.
		{name: "html stays literal", event: completed, data: mutate(t, completed, set("title", `<script>alert("x")</script> & co`)),
			wantOutput: `"title":"<script>alert(\"x\")</script> & co"`},
		{name: "escaped html in input comes out literal", event: comment,
			data:       mutate(t, comment, set("body", json.RawMessage(`"\u003cb\u003e \u0026"`))),
			wantOutput: `"body":"<b> &"`},
		{name: "unicode kept, separators escaped", event: comment, data: mutate(t, comment, set("authorName", "Zoë 🎬\u2028\t")),
			wantOutput: `"authorName":"Zoë 🎬\u2028\t"`},
		{name: "needless escapes removed", event: comment, data: mutate(t, comment, set("authorName", json.RawMessage(`"J\u0061mie\/"`))),
			wantOutput: `"authorName":"Jamie/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, errs := webhook.ValidateData(tt.event, tt.data)
			if tt.wantErrs != nil {
				if !maps.Equal(errs, tt.wantErrs) {
					t.Errorf("ValidateData() errors = %v, want %v", errs, tt.wantErrs)
				}
				if got != nil {
					t.Errorf("ValidateData() = %s, want nil output with errors", got)
				}
				return
			}
			if errs != nil {
				t.Fatalf("ValidateData() errors = %v, want none", errs)
			}
			checkCanonical(t, tt.event, got)
			if !strings.Contains(string(got), tt.wantOutput) {
				t.Errorf("ValidateData() = %s, want it to contain %s", got, tt.wantOutput)
			}
		})
	}
}

// checkCanonical fails unless out is compact JSON that validates to itself.
func checkCanonical(t testing.TB, event string, out json.RawMessage) {
	t.Helper()
	var c bytes.Buffer
	if err := json.Compact(&c, out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if !bytes.Equal(c.Bytes(), out) {
		t.Fatalf("output is not compact:\n%s", out)
	}
	again, errs := webhook.ValidateData(event, out)
	if errs != nil {
		t.Fatalf("output does not validate: %v\n%s", errs, out)
	}
	if !bytes.Equal(again, out) {
		t.Fatalf("output is not stable:\n got %s\nwant %s", again, out)
	}
}

func TestValidateDataOddInput(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":[`, 20000) + strings.Repeat(`]}`, 20000)
	tests := []struct {
		name string
		data string
	}{
		{name: "array", data: `[]`},
		{name: "nested arrays", data: `[[[[[[]]]]]]`},
		{name: "number", data: `-1.5e308`},
		{name: "huge number", data: `1e999999`},
		{name: "true", data: `true`},
		{name: "whitespace", data: " \n\t\r "},
		{name: "non-JSON whitespace", data: "\u00a0{}"},
		{name: "byte order mark", data: "\ufeff{}"},
		{name: "nul byte", data: "\x00"},
		{name: "unterminated", data: `{"recordingId":"x`},
		{name: "all null", data: `{"recordingId":null,"userId":null,"title":null,"kind":null,"errorMessage":null,"createdAt":null,"counts":null,"links":null,"tags":null,"commentId":null,"timestampMs":null}`},
		{name: "nested nulls", data: `{"counts":{"frames":null,"x":{"y":null}},"links":{"appUrl":[null]},"tags":[null,[null]]}`},
		{name: "nested junk", data: `{"counts":{"frames":{"a":[[[[{"b":null}]]]]}},"links":[[{}]],"tags":[{"a":1}],"title":{"a":"b"}}`},
		{name: "deep nesting", data: deep},
		{name: "deep nesting inside a field", data: `{"counts":` + deep + `}`},
		{name: "too deep", data: strings.Repeat(`[`, 200000)},
		{name: "invalid utf-8 in string", data: "{\"title\":\"\xff\xfe\",\"\xc3\":1}"},
		{name: "lone surrogate", data: `{"title":"\ud800"}`},
		{name: "long key", data: `{"` + strings.Repeat("k", 100000) + `":1}`},
	}
	for _, tt := range tests {
		for _, event := range append([]string{"nope", ""}, webhook.EventTypes...) {
			t.Run(tt.name+"/"+event, func(t *testing.T) {
				t.Parallel()
				got, errs := webhook.ValidateData(event, json.RawMessage(tt.data))
				if (got == nil) == (errs == nil) {
					t.Fatalf("ValidateData() = %q, %v; want exactly one of output and errors", got, errs)
				}
				if len(errs) == 0 && got == nil {
					t.Fatalf("ValidateData() returned empty errors")
				}
			})
		}
	}
}

func TestValidateDataInvalidUTF8(t *testing.T) {
	t.Parallel()
	data := mutate(t, comment, set("body", json.RawMessage("\"a\xffb\"")))
	got, errs := webhook.ValidateData(comment, data)
	if errs != nil {
		t.Fatalf("ValidateData() errors = %v", errs)
	}
	checkCanonical(t, comment, got)
	if !strings.Contains(string(got), `"body":"a`+"\ufffd"+`b"`) {
		t.Errorf("ValidateData() = %s, want the invalid byte replaced by U+FFFD", got)
	}
}
