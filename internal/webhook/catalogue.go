package webhook

// The event catalogue: the contract table (schema.go) in words, for the
// dashboard's catalogue page. It is read from the same table validate.go
// checks against, so the page cannot drift from what is enforced.

import "strconv"

// EventDoc is one event type as the catalogue shows it.
type EventDoc struct {
	Type string
	// Meaning says in one line when the event is sent.
	Meaning string
	// Fields are data's fields in the order of the body, each object's
	// members right after it.
	Fields []FieldDoc
}

// FieldDoc is one field of a schema in words.
type FieldDoc struct {
	// Path is the field's JSON path, as validation errors name it
	// ("data.counts.frames").
	Path string
	// Depth is 0 for a member of the top object, 1 for a member of one of
	// its objects.
	Depth int
	// Type is "string", "string or null", "integer", "boolean",
	// "array of strings" or "object".
	Type string
	// Rule is what the value must be beyond its type; "" when nothing.
	Rule string
}

// meanings say when each event type is sent (webhooks.md: "when a
// recording finishes processing, fails, or gets a new comment").
var meanings = map[string]string{
	EventRecordingCompleted: "A recording finished processing: a video, or a screenshot clip (kind \"screenshot\", no transcript turns, one frame).",
	EventRecordingFailed:    "A recording could not be processed; errorMessage says why.",
	EventCommentAdded:       "Someone commented on a recording; timestampMs is the moment in it they commented on.",
}

// Catalogue returns every event type with its meaning and its data schema,
// in documented order.
func Catalogue() []EventDoc {
	out := make([]EventDoc, 0, len(EventTypes))
	for _, event := range EventTypes {
		doc := EventDoc{Type: event, Meaning: meanings[event]}
		var walk func(fields []field, depth int)
		walk = func(fields []field, depth int) {
			for _, f := range fields {
				doc.Fields = append(doc.Fields, fieldDoc(f, depth))
				walk(f.fields, depth+1)
			}
		}
		walk(schemas[event], 0)
		out = append(out, doc)
	}
	return out
}

func fieldDoc(f field, depth int) FieldDoc {
	d := FieldDoc{Path: f.path, Depth: depth}
	switch f.kind {
	case kindString:
		d.Type = "string"
		if f.rule != nil {
			d.Rule = f.rule.doc
		}
	case kindInteger:
		d.Type, d.Rule = "integer", "0 to "+strconv.FormatUint(maxInteger, 10)+" (2^53 − 1), no fraction or exponent"
	case kindBoolean:
		d.Type = "boolean"
	case kindStringArray:
		d.Type, d.Rule = "array of strings", "may be empty"
	case kindObject:
		d.Type, d.Rule = "object", "exactly the fields below"
	}
	if f.nullable {
		d.Type += " or null"
	}
	return d
}

// Envelope is the body around data, in the order RenderBody writes it.
func Envelope() []FieldDoc {
	return []FieldDoc{
		{Path: "event", Type: "string", Rule: "the event type, as in the " + HeaderEvent + " header"},
		{Path: "deliveryId", Type: "string", Rule: `"` + PrefixDelivery + `" and 16 base62 characters, the same on every attempt and in the ` + HeaderDelivery + " header"},
		{Path: "occurredAt", Type: "string", Rule: "RFC 3339 in UTC with milliseconds (2026-04-30T22:00:14.512Z)"},
		{Path: "data", Type: "object", Rule: "the event type's data, below"},
	}
}
