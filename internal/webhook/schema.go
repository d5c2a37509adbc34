package webhook

// The contract table: each event type's data fields, in the key order of
// webhooks.md, with their kinds and rules. validate.go checks data against it.

import (
	"strings"
	"time"
)

// maxInteger is the largest integer a JavaScript receiver parses exactly
// (Number.MAX_SAFE_INTEGER).
const maxInteger = 1<<53 - 1

type valueKind int

const (
	kindString valueKind = iota
	kindInteger
	kindBoolean
	kindStringArray
	kindObject
)

// field is one member of an event's data schema. Schemas are ordered slices
// because the order is part of the contract: it is the order of the keys in
// the canonical body.
type field struct {
	name     string
	kind     valueKind
	nullable bool
	// rule adds a check to a string field (nil: any string).
	rule *stringRule
	// fields are the members of a kindObject field.
	fields []field
	// path is the field's JSON path ("data.counts.frames"), set once by
	// withPaths so that validating good data builds no path strings.
	path string
}

// maxFields bounds the fields of one object in any schema; see object.
const maxFields = 16

// schemas holds each event's data schema, in the key order of webhooks.md.
var schemas = withPaths(map[string][]field{
	EventRecordingCompleted: {
		{name: "recordingId", kind: kindString, rule: ruleNotEmpty},
		{name: "userId", kind: kindString, rule: ruleUserID},
		{name: "title", kind: kindString},
		{name: "kind", kind: kindString, rule: ruleRecordingKind},
		{name: "source", kind: kindString},
		{name: "sourceUrl", kind: kindString},
		{name: "sourceDomain", kind: kindString},
		{name: "durationSec", kind: kindInteger},
		{name: "tags", kind: kindStringArray},
		{name: "starred", kind: kindBoolean},
		{name: "summary", kind: kindString},
		{name: "counts", kind: kindObject, fields: []field{
			{name: "transcriptTurns", kind: kindInteger},
			{name: "frames", kind: kindInteger},
			{name: "artifacts", kind: kindInteger},
		}},
		{name: "links", kind: kindObject, fields: []field{
			{name: "appUrl", kind: kindString},
			{name: "shareUrl", kind: kindString, nullable: true},
		}},
		{name: "createdAt", kind: kindString, rule: ruleTimestamp},
	},
	EventRecordingFailed: {
		{name: "recordingId", kind: kindString, rule: ruleNotEmpty},
		{name: "userId", kind: kindString, rule: ruleUserID},
		{name: "title", kind: kindString, nullable: true},
		{name: "kind", kind: kindString, rule: ruleRecordingKind},
		{name: "errorMessage", kind: kindString},
		{name: "createdAt", kind: kindString, rule: ruleTimestamp},
	},
	EventCommentAdded: {
		{name: "commentId", kind: kindString},
		{name: "recordingId", kind: kindString, rule: ruleNotEmpty},
		{name: "recordingTitle", kind: kindString},
		{name: "authorName", kind: kindString},
		{name: "body", kind: kindString},
		{name: "timestampMs", kind: kindInteger},
		{name: "links", kind: kindObject, fields: []field{
			{name: "appUrl", kind: kindString},
		}},
		{name: "createdAt", kind: kindString, rule: ruleTimestamp},
	},
})

// withPaths sets the path of every field in schemas, rooted at "data".
func withPaths(schemas map[string][]field) map[string][]field {
	var set func(parent string, fields []field)
	set = func(parent string, fields []field) {
		if len(fields) > maxFields {
			panic("webhook: a schema object has more than maxFields fields")
		}
		for i := range fields {
			fields[i].path = childPath(parent, fields[i].name)
			set(fields[i].path, fields[i].fields)
		}
	}
	for _, fields := range schemas {
		set("data", fields)
	}
	return schemas
}

// stringRule is a check on a string field, with the words the event
// catalogue shows for it.
type stringRule struct {
	doc   string
	check func(string) string // an error message, or ""
}

var (
	ruleNotEmpty      = &stringRule{"not empty", notEmpty}
	ruleUserID        = &stringRule{`starts with "` + PrefixUser + `", with something after it`, userID}
	ruleRecordingKind = &stringRule{`"video" or "screenshot"`, recordingKind}
	ruleTimestamp     = &stringRule{"an RFC 3339 timestamp, passed on unchanged", timestamp}
)

func notEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

func userID(s string) string {
	if len(s) <= len(PrefixUser) || !strings.HasPrefix(s, PrefixUser) {
		return `must be a user id starting with "` + PrefixUser + `"`
	}
	return ""
}

func recordingKind(s string) string {
	if s != "video" && s != "screenshot" {
		return `must be "video" or "screenshot"`
	}
	return ""
}

// timestamp accepts RFC 3339 date-times. time.Parse is a little more lenient
// than the RFC (a comma before the fraction, zone offsets up to 24:59), and
// receivers parse this value, so those are refused too.
func timestamp(s string) string {
	const msg = "must be an RFC 3339 timestamp"
	if _, err := time.Parse(time.RFC3339, s); err != nil || strings.ContainsRune(s, ',') {
		return msg
	}
	// A successful parse leaves at least "2006-01-02T15:04:05Z".
	if zone := s[len(s)-6:]; (zone[0] == '+' || zone[0] == '-') && zone[1:3] > "23" {
		return msg
	}
	return ""
}
