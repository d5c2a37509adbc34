// Package webhook is the customer contract for ClipCabinet webhooks as
// documented in spec/webhooks.md: event types, delivery headers, ids and
// signing secrets, the HMAC signature, and the exact bytes of a delivery body.
//
// Everything here is byte-exact on purpose. Customers verify deliveries with
// the Node and Python snippets from the documentation, which HMAC the raw body
// with the whole secret string ("whsec_" prefix included, nothing decoded) and
// compare the header as one string, so the header must be exactly
// "sha256=" followed by 64 lowercase hex digits.
//
// # Payload schemas
//
// [ValidateData] checks the data a backend publishes against the schema of its
// event, read from the examples in webhooks.md. Every field must be present and
// of its type, null only where the example shows null, and no other field may
// appear. The typing decisions the examples leave open are:
//
//   - Strings (never null): recordingId, userId, kind, source, sourceUrl,
//     sourceDomain, summary, createdAt, errorMessage, commentId,
//     recordingTitle, authorName, body, links.appUrl, and title in
//     recording.completed.
//   - String or null: title in recording.failed (the example shows null) and
//     links.shareUrl.
//   - Integers: durationSec, counts.transcriptTurns, counts.frames,
//     counts.artifacts and timestampMs are JSON numbers without fraction or
//     exponent, at least 0 and at most 2^53-1 (9007199254740991), the largest
//     integer a JavaScript receiver can JSON.parse without rounding.
//   - tags is an array of strings, possibly empty, never null; starred is a
//     boolean.
//   - kind is "video" or "screenshot"; createdAt parses as RFC 3339 and is
//     passed on unchanged; userId starts with "user_" and has something after
//     it; recordingId is not empty.
//   - counts and links are objects with the same rules: all their fields
//     present, no others.
//   - A key that appears twice in one object is rejected, because receivers
//     would disagree about which value wins.
//
// Errors are keyed by JSON path ("data.title", "data.counts.frames",
// "data.tags[1]", "data.extraField") with messages such as "is required",
// "is not allowed", "must not be null" and "must be a string".
//
// # Canonical form
//
// A delivery body is rendered once, when the event is published, and every
// attempt sends exactly those bytes. [ValidateData] returns data in canonical
// form: compact, keys in the order of the schema in webhooks.md (nested
// objects likewise), strings re-encoded by encoding/json without HTML escaping
// (so "<", ">" and "&" stay literal), and integers kept as the literal that
// was sent. [RenderBody] wraps it as {"event","deliveryId","occurredAt","data"}
// in that order. The canonical form of a spec example is the example compacted.
package webhook
