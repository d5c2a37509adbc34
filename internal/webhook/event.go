package webhook

// Event types, as named in webhooks.md.
const (
	EventRecordingCompleted = "recording.completed"
	EventRecordingFailed    = "recording.failed"
	EventCommentAdded       = "comment.added"
)

// EventTypes lists the event types in documented order.
// Treat it as read-only; [KnownEvent] does not consult it.
var EventTypes = []string{EventRecordingCompleted, EventRecordingFailed, EventCommentAdded}

// KnownEvent reports whether t is one of the documented event types.
func KnownEvent(t string) bool {
	switch t {
	case EventRecordingCompleted, EventRecordingFailed, EventCommentAdded:
		return true
	}
	return false
}

// Headers and header values sent with every delivery attempt.
const (
	// HeaderEvent carries the event type, e.g. "recording.completed".
	HeaderEvent = "X-ClipCabinet-Event"
	// HeaderDelivery carries the delivery id, the same on every attempt of
	// a delivery, so receivers can use it as an idempotency key.
	HeaderDelivery = "X-ClipCabinet-Delivery"
	// HeaderSignature carries the value returned by [Sign].
	HeaderSignature = "X-ClipCabinet-Signature"
	// UserAgent is the User-Agent header value.
	UserAgent = "ClipCabinet-Webhooks/1.0"
	// ContentType is the Content-Type header value.
	ContentType = "application/json"
)
