package webhook

import "regexp"

// The service's words, each named once here; SQL in queries/ may spell
// them out. Attempt outcomes are dispatch.Outcome*.

// Delivery statuses, as the API and the database name them.
const (
	StatusPending   = "pending"
	StatusRetrying  = "retrying"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// DeliveryStatuses are every delivery status, in the order of a delivery's life.
var DeliveryStatuses = []string{StatusPending, StatusRetrying, StatusSucceeded, StatusFailed}

// AttemptOutcomes are every outcome an attempt can have, as the API names
// them: dispatch.Outcome* and the sweeper's "interrupted".
var AttemptOutcomes = []string{"success", "http_error", "redirect", "timeout", "connection_error",
	"tls_error", "dns_error", "blocked", "interrupted"}

// HealthKinds are the kinds of attempt the endpoint health rollup counts
// (migrations/00012_endpoint_health.sql), in the order the dashboard lists
// them: the outcomes, with http_error told apart by status class
// (HealthHTTP4xx, HealthHTTP5xx; http_error stays for any other code) and
// a connection refused (HealthRefused) apart from other connection errors.
var HealthKinds = []string{"success", HealthHTTP5xx, HealthHTTP4xx, "http_error", "redirect", "timeout",
	HealthRefused, "connection_error", "tls_error", "dns_error", "blocked", "interrupted"}

// The health kinds that are not outcomes.
const (
	HealthHTTP4xx = "http_4xx"
	HealthHTTP5xx = "http_5xx"
	HealthRefused = "refused"
)

// Attempt triggers: the schedule's attempts, and those a person asked for.
const (
	TriggerAutomatic = "automatic"
	TriggerManual    = "manual"
)

// UserIDPattern is the rule for a user id given to the API or the command
// line: PrefixUser and up to 64 characters that need no escaping in a URL
// path (an id such as user_a/b could never be named in one).
var UserIDPattern = regexp.MustCompile(`^` + PrefixUser + `[A-Za-z0-9_-]{1,64}$`)

// Owner notice kinds (api.md "Owner notifications"), in the order of an
// endpoint's trouble: its deliveries started failing, it will be disabled
// within 24 hours, it was disabled (automatically or by a 410), it
// recovered (the first success after failing).
const (
	NoticeFailing   = "failing"
	NoticeDisabling = "disabling"
	NoticeDisabled  = "disabled"
	NoticeRecovered = "recovered"
)

// NoticeKinds are every notice kind, in that order.
var NoticeKinds = []string{NoticeFailing, NoticeDisabling, NoticeDisabled, NoticeRecovered}
