package webhook_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// member is one member of a JSON object: its path and the JSON type of its
// value ("string", "number", "boolean", "null", "array", "object").
type member struct{ path, kind string }

// members lists the members of the object raw, depth first in document
// order, each object's members after it (array elements are not listed).
func members(t *testing.T, raw []byte, prefix string) []member {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []member
	var object func(prefix string)
	value := func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' {
				out = append(out, member{path, "object"})
				object(path)
				return
			}
			for dec.More() {
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
			}
			_, _ = dec.Token()
			out = append(out, member{path, "array"})
		case string:
			out = append(out, member{path, "string"})
		case json.Number:
			out = append(out, member{path, "number"})
		case bool:
			out = append(out, member{path, "boolean"})
		case nil:
			out = append(out, member{path, "null"})
		}
	}
	object = func(prefix string) {
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			p := key.(string)
			if prefix != "" {
				p = prefix + "." + p
			}
			value(p)
		}
		_, _ = dec.Token()
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	object(prefix)
	return out
}

// TestCatalogueIsTheSpec: the catalogue lists, for each event type, exactly
// the fields of the webhooks.md example in their order, each with a type
// the example's value has, and a path that validation errors use.
func TestCatalogueIsTheSpec(t *testing.T) {
	t.Parallel()
	docs := webhook.Catalogue()
	if len(docs) != len(webhook.EventTypes) {
		t.Fatalf("%d event types in the catalogue, want %d", len(docs), len(webhook.EventTypes))
	}
	accepts := map[string][]string{
		"string": {"string"}, "string or null": {"string", "null"}, "integer": {"number"},
		"boolean": {"boolean"}, "array of strings": {"array"}, "object": {"object"},
	}
	for i, doc := range docs {
		t.Run(doc.Type, func(t *testing.T) {
			t.Parallel()
			if doc.Type != webhook.EventTypes[i] {
				t.Fatalf("catalogue entry %d is %s, want %s", i, doc.Type, webhook.EventTypes[i])
			}
			if doc.Meaning == "" || strings.Contains(doc.Meaning, "\n") {
				t.Errorf("meaning %q, want one line", doc.Meaning)
			}
			spec := members(t, loadExample(t, doc.Type).data, "data")
			if len(spec) != len(doc.Fields) {
				t.Fatalf("catalogue has %d fields, the spec's example %d:\n%v\n%v", len(doc.Fields), len(spec), doc.Fields, spec)
			}
			example := webhook.SampleData(doc.Type, "")
			for k, f := range doc.Fields {
				if f.Path != spec[k].path {
					t.Errorf("field %d is %s, the spec's is %s", k, f.Path, spec[k].path)
				}
				if !slices.Contains(accepts[f.Type], spec[k].kind) {
					t.Errorf("%s: type %q, but the spec's example has a %s", f.Path, f.Type, spec[k].kind)
				}
				if want := strings.Count(f.Path, ".") - 1; f.Depth != want {
					t.Errorf("%s: depth %d, want %d", f.Path, f.Depth, want)
				}
				// The path is the one a validation error about it names.
				without := removeMember(t, example, f.Path)
				if _, errs := webhook.ValidateData(doc.Type, without); errs[f.Path] != "is required" {
					t.Errorf("%s removed: errors %v, want it named as required", f.Path, errs)
				}
			}
		})
	}
}

// removeMember returns data without the member at path ("data.a.b").
func removeMember(t *testing.T, data []byte, path string) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(strings.TrimPrefix(path, "data."), ".")
	obj := m
	for _, k := range keys[:len(keys)-1] {
		obj = obj[k].(map[string]any)
	}
	delete(obj, keys[len(keys)-1])
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEnvelopeIsTheBody: the catalogue's envelope is RenderBody's keys, in
// its order.
func TestEnvelopeIsTheBody(t *testing.T) {
	t.Parallel()
	body := webhook.RenderBody(webhook.EventCommentAdded, "del_M5pK2bN9wHfRa1Jx", time.Now(), webhook.SampleData(webhook.EventCommentAdded, ""))
	var top []string
	for _, m := range members(t, body, "") {
		if !strings.Contains(m.path, ".") {
			top = append(top, m.path)
		}
	}
	var doc []string
	for _, f := range webhook.Envelope() {
		doc = append(doc, f.Path)
	}
	if !slices.Equal(top, doc) {
		t.Fatalf("envelope %v, the body's keys %v", doc, top)
	}
}

// TestTestEventData: every catalogue example validates against its schema
// (and is in canonical form), says it is a test in its ids, keeps the
// user's id, and is otherwise the spec's example.
func TestTestEventData(t *testing.T) {
	t.Parallel()
	const user = "user_AAAAbbbbCCCCdddd"
	for _, event := range webhook.EventTypes {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			got := webhook.TestEventData(event, user)
			checkCanonical(t, event, got)

			decode := func(b []byte) map[string]any {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				return m
			}
			test, spec := decode(got), decode(webhook.SampleData(event, user))
			for path, prefix := range webhook.TestIDs {
				if v, ok := test[strings.TrimPrefix(path, "data.")]; ok && !strings.HasPrefix(v.(string), prefix) {
					t.Errorf("%s = %v, want it to start with %s", path, v, prefix)
				}
			}
			rec, _ := test["recordingId"].(string)
			if !strings.HasPrefix(rec, webhook.TestRecordingIDPrefix) || rec == webhook.TestRecordingIDPrefix {
				t.Errorf("recordingId %q, want %s and more", rec, webhook.TestRecordingIDPrefix)
			}
			if links, ok := test["links"].(map[string]any); ok && links["appUrl"] != "https://clipcabinet.com/recordings/"+rec {
				t.Errorf("links.appUrl %v, want the test recording's", links["appUrl"])
			}
			if event == webhook.EventCommentAdded {
				cmt, _ := test["commentId"].(string)
				if !strings.HasPrefix(cmt, webhook.TestCommentIDPrefix) || cmt == webhook.TestCommentIDPrefix {
					t.Errorf("commentId %q, want %s and more", cmt, webhook.TestCommentIDPrefix)
				}
				delete(test, "commentId")
				delete(spec, "commentId")
			} else if test["userId"] != user {
				t.Errorf("userId %v, want %s", test["userId"], user)
			}
			// Nothing else differs from the spec's example.
			for _, m := range []map[string]any{test, spec} {
				delete(m, "recordingId")
				if links, ok := m["links"].(map[string]any); ok {
					delete(links, "appUrl")
				}
			}
			if !maps.EqualFunc(test, spec, func(a, b any) bool { x, _ := json.Marshal(a); y, _ := json.Marshal(b); return bytes.Equal(x, y) }) {
				t.Errorf("test data differs from the example beyond its ids:\n got %v\nwant %v", test, spec)
			}
		})
	}
	if got := webhook.TestEventData("recording.deleted", user); got != nil {
		t.Errorf("unknown event: %s", got)
	}
}

// TestTestIDsCannotBeReal: the spec's own ids do not carry the test
// prefixes, and the comment prefix is not base62 after "cmt_".
func TestTestIDsCannotBeReal(t *testing.T) {
	t.Parallel()
	for _, event := range webhook.EventTypes {
		data := string(webhook.SampleData(event, ""))
		if strings.Contains(data, webhook.TestRecordingIDPrefix) || strings.Contains(data, webhook.TestCommentIDPrefix) {
			t.Errorf("%s: the spec's example carries a test prefix: %s", event, data)
		}
	}
	if webhook.ValidID("cmt_", webhook.TestCommentIDPrefix+"3kLpQv8") {
		t.Error("a test comment id reads as a base62 comment id")
	}
}
