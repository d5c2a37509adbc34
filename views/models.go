// Package views holds the dashboard's templ components and the view models
// they take. View models are shaped like the screen; the handlers in web/
// fill them, and nothing here touches the database.
package views

import "time"

// Chrome is what every page's frame shows.
type Chrome struct {
	Title string
	// User is nil on the public pages (login, sign-up).
	User *Viewer
	// Nav names the active section: "endpoints", "events", "audit" or "admin".
	Nav string
	// PrivateTargets shows the CLIPCABINET_ALLOW_PRIVATE_TARGETS banner.
	PrivateTargets bool
	// SignupOpen shows the sign-up link on the login page.
	SignupOpen bool
	Flash      Flash
}

// Viewer is the signed-in user.
type Viewer struct {
	Email string
	Name  string
	Admin bool
	// Unread is the count of unread notices, beside "Notices" in the nav.
	Unread int
}

// Flash is a one-time message from the previous action.
type Flash struct {
	Kind string // "ok", "bad", "info"
	Text string
}

// ErrorView is an error page or fragment.
type ErrorView struct {
	Status  int
	Title   string
	Message string
}

// LoginForm is the login page's form.
type LoginForm struct {
	Email string
	Next  string
	Error string
}

// SignupForm is the sign-up page's form.
type SignupForm struct {
	Email  string
	Name   string
	Errors map[string]string
	Error  string // about the whole form (throttled, busy)
}

// EndpointRow is one endpoint in the list.
type EndpointRow struct {
	ID             string
	URL            string
	Description    string
	Events         []string
	Enabled        bool
	DisabledReason string
	// AutoDisabled: the service disabled it (410 Gone, or failing too long).
	AutoDisabled bool
	DisabledAt   *time.Time
	Last         *LastDelivery // nil: no delivery yet
	Rate         Rate
	Spark        Sparkline // the last 24 hours
}

// LastDelivery is an endpoint's newest delivery.
type LastDelivery struct {
	ID     string
	URL    string // its detail in the drawer
	Status string
	Event  string
	Code   *int32
	// Outcome is its last attempt's ("" before the first), said in words
	// where there is no code ("Connection error").
	Outcome string
	At      time.Time
}

// Rate is the share of recent deliveries that succeeded.
type Rate struct {
	Succeeded int
	Total     int // succeeded + failed + retrying among the last 100
}

// EndpointForm is the create and edit form.
type EndpointForm struct {
	New         bool
	ID          string
	Action      string
	URL         string
	Description string
	Events      map[string]bool
	Enabled     bool
	Errors      map[string]string
	Error       string // about the whole form (a limit reached)
	EventTypes  []string
}

// EndpointView is the endpoint page.
type EndpointView struct {
	ID             string
	URL            string
	Description    string
	Events         []string
	Enabled        bool
	DisabledReason string
	// AutoDisabled: the service disabled it, not a person.
	AutoDisabled bool
	DisabledAt   *time.Time
	CreatedAt    time.Time
	Secret       SecretView
	Test         TestEventView
	Recovery     RecoveryCard
	// Health is the attempts over time, filled in by every full page.
	Health HealthView
	// SigCheck is the signature checker, filled in after a check.
	SigCheck SigCheckView
	// Drawer is rendered open when the URL names the deliveries or a delivery.
	Drawer *DrawerView
	// DeletedAt: the endpoint was deleted; its page is read-only history.
	DeletedAt *time.Time
}

// SecretView is the signing secret box.
type SecretView struct {
	EndpointID string
	Revealed   string // empty: masked
	Rotated    bool   // Revealed is a secret that was just made
	// Pending: a rotated secret takes over at ActivatesAt; until then the
	// active secret signs. PendingRevealed is the new secret, shown right
	// after the rotation and on reveal.
	Pending         bool
	ActivatesAt     time.Time
	PendingRevealed string
	Now             time.Time
	// StandardWebhooks: the endpoint sends the Standard Webhooks headers;
	// StandardCapable: its active secret is of the form they need.
	StandardWebhooks bool
	StandardCapable  bool
}

// TestEventView is the "send a test event" form.
type TestEventView struct {
	EndpointID string
	Enabled    bool
	EventTypes []string
	Event      string
	// Data is the textarea's text: the event type's example, or what the
	// user sent, kept as it was when it is refused.
	Data string
	// DataProblem says what is wrong with Data as a whole ("" when it is
	// fine), DataErrors which fields, each named by its JSON path.
	DataProblem string
	DataErrors  []FieldError
	// MaxData is the most bytes Data may have.
	MaxData int
	Error   string
	// OOB sends the form out of band, beside another swap.
	OOB bool
}

// FieldError is a problem with one field of a JSON document.
type FieldError struct {
	Path    string // "data.counts.frames"
	Message string // "must be a non-negative integer"
}

// CatalogueView is the event catalogue: the body's envelope, then every
// event type with its data schema and example.
type CatalogueView struct {
	Envelope []SchemaField
	Events   []CatalogueEvent
}

// CatalogueEvent is one event type in the catalogue.
type CatalogueEvent struct {
	Type    string
	Meaning string
	Fields  []SchemaField
	// Example is the data a test event of this type starts from, indented.
	Example string
	// TestIDs are the fields whose value in Example says "test".
	TestIDs []TestID
}

// TestID is a field of test data whose value starts with Prefix.
type TestID struct {
	Field, Prefix string
}

// SchemaField is one row of a schema.
type SchemaField struct {
	Path  string
	Depth int // nesting under data: 0, 1...
	Type  string
	Rule  string
}

// DrawerView is the deliveries drawer: a list, or one delivery.
type DrawerView struct {
	EndpointID  string
	EndpointURL string
	CloseURL    string
	List        *DeliveryListView
	Detail      *DeliveryDetailView
	DeletedAt   *time.Time // the endpoint was deleted: read-only history
}

// DeliveryListView is the drawer's list with its filters.
type DeliveryListView struct {
	Action     string // the list URL the filters submit to
	Status     string
	Event      string
	Query      string
	Statuses   []string
	EventTypes []string
	Rows       []DeliveryRow
	NextURL    string // "load more"; empty on the last page
	Notice     string
	Error      string
	Filtered   bool
	Find       FindFilter
	// ExportCSV and ExportNDJSON download the filtered set.
	ExportCSV, ExportNDJSON string
	// UnscopedURL is the list with the other filters but not Endpoint
	// and ExactHost.
	UnscopedURL string
}

// DeliveryRow is one delivery in a list (the drawer's or the admin's).
type DeliveryRow struct {
	ID            string
	Event         string
	Test          bool // a test event's delivery
	Status        string
	CreatedAt     time.Time
	Attempts      int32 // every attempt recorded
	AutoAttempts  int32 // the automatic ones, which count toward MaxAttempts
	MaxAttempts   int
	LastCode      *int32
	LastOutcome   string // the last attempt's; "" before the first
	NextAttemptAt *time.Time
	InFlight      bool
	Requested     bool
	DetailURL     string // opens the detail
	PollURL       string // this row, refreshed while not final
	// The admin list's extra columns.
	Admin         bool
	UserEmail     string
	EndpointURL   string
	RetryURL      string
	CanRetry      bool
	RetryDisabled string
	Message       string
}

// DeliveryDetailView is one delivery: the live part (the answer), then
// the request and the response as tabs, then the attempts' timeline.
type DeliveryDetailView struct {
	ID          string
	EventID     string
	Event       string
	Test        bool // a test event's delivery
	EndpointURL string
	CreatedAt   time.Time
	BackURL     string // the list; empty on the admin's page
	// Headers are the request's headers as an attempt carries them;
	// HeadersNote says whose signature is shown.
	Headers     []Header
	HeadersNote string
	Body        BodyView
	BodyPruned  bool
	Live        DeliveryLiveView
	// Curl re-sends the body with the headers an attempt made now carries,
	// signed with the current secret; empty when not shown, and CurlNote
	// then says why (or, when shown, what to know about it).
	Curl     string
	CurlNote string
	// Response is the last attempt's answer, or the one chosen with
	// ?attempt=N, in which case ShowResponse opens its tab.
	Response     ResponseView
	ShowResponse bool
	Timeline     TimelineView
}

// Header is one request or response header.
type Header struct {
	Name  string
	Value string
}

// BodyView is a request or response body as shown: JSON pretty-printed
// and highlighted (HTML), anything else as text (Text).
type BodyView struct {
	// HTML is jsonhtml.Highlight's output: escaped, safe to put in the page.
	HTML string
	Text string
	Size int    // bytes stored
	Note string // what is not shown as it is: cut short, not UTF-8
}

// ResponseView is one attempt's answer: status, headers and body.
type ResponseView struct {
	DeliveryID string
	// None says why there is nothing to show (no attempt yet); the other
	// fields are then empty.
	None       string
	Number     int32
	StartedAt  time.Time
	StatusCode *int32
	StatusText string // "Service Unavailable"
	Outcome    string
	Error      string // what happened instead of an answer, or beside it
	Headers    []Header
	// HeadersNote says why no header is listed.
	HeadersNote string
	Body        BodyView
	Truncated   bool // the receiver sent more than was kept
	Pruned      bool // retention cleared the body
	// LastURL shows the last attempt's answer again when another is shown;
	// Drawer: links swap the drawer (htmx) rather than load a page.
	LastURL string
	Drawer  bool
}

// TimelineView is a delivery's attempts, oldest first, with runs of
// identical failures collapsed.
type TimelineView struct {
	Entries []TimelineEntry
	Drawer  bool // links swap the drawer rather than load a page
}

// TimelineEntry is one attempt, or a run of two or more consecutive
// attempts that failed the same way (outcome and status code), shown
// collapsed.
type TimelineEntry struct {
	Attempts []AttemptView
}

// DeliveryLiveView is the part of a delivery that changes: its state and
// the retry button. It refreshes itself until final; when the attempts
// changed since the page was drawn, Refresh carries the response tab and
// the timeline, which then replace theirs (out of band) too.
type DeliveryLiveView struct {
	ID            string
	Status        string
	AttemptCount  int32
	AutoAttempts  int32
	MaxAttempts   int
	NextAttemptAt *time.Time
	CompletedAt   *time.Time
	LastCode      *int32
	LastOutcome   string // the last attempt's; "" before the first
	FailureReason string
	// Reason is the last attempt's result in plain words, Next what
	// happens next and exactly when; both empty when there is nothing to say.
	Reason string
	Next   string
	// NextAt, when set, is the time Next ends with ("Attempt 4 of 8 at"),
	// and NextWait how long until then ("in 12 min").
	NextAt        *time.Time
	NextWait      string
	InFlight      bool
	Requested     bool
	RetryURL      string
	RetryDisabled string // why the retry button is disabled; empty: enabled
	PollURL       string
	Notice        string
	Error         string
	Refresh       *DeliveryRefresh
}

// DeliveryRefresh is what a live refresh replaces besides the live part.
type DeliveryRefresh struct {
	Response ResponseView
	Timeline TimelineView
}

// AttemptView is one attempt in the timeline.
type AttemptView struct {
	Number     int32
	Trigger    string
	StartedAt  time.Time
	When       string // its exact time: "17:42:10 UTC", with the date on the first and on a new day
	Gap        string // "+30 s": since the previous attempt ended; "" for the first
	DurationMs int32
	StatusCode *int32
	Outcome    string
	Error      string
	// Phases are where the time went, shown as a bar and in words; empty
	// when no phase was recorded (a refused connection, an attempt made
	// before timings were kept).
	Phases []Phase
	// ResponseURL shows this attempt's answer in the Response tab; empty
	// when it got none. Shown: it is the one in the tab.
	ResponseURL string
	Shown       bool
}

// Phase is one segment of an attempt's time bar, in a 0–1000 wide box.
type Phase struct {
	Name  string // "DNS", "connect", "TLS", "first byte", "rest"
	Text  string // "DNS 2 ms"
	Class string
	Ms    int32
	X, W  int
}

// AdminView is the admin's deliveries screen.
type AdminView struct {
	Filter     AdminFilter
	Statuses   []string
	EventTypes []string
	Rows       []DeliveryRow
	NextURL    string
	Error      string
	// PreviewURL asks how many a bulk retry would queue; empty when the
	// filter is not on failed deliveries.
	PreviewURL string
	Bulk       *BulkView
	// ExportCSV and ExportNDJSON download the filtered set.
	ExportCSV, ExportNDJSON string
	// UnscopedURL is the list with the other filters but not Endpoint
	// and ExactHost.
	UnscopedURL string
}

// AdminFilter is the admin screen's filters as the form shows them.
type AdminFilter struct {
	Status string
	User   string
	Host   string
	Event  string
	Since  string // "", "1h", "24h", "7d", "30d"
	Query  string // a delivery id (or its start) or a recording id
	Find   FindFilter
	// Endpoint (an id) and ExactHost (a whole host and port) narrow the
	// list to one group of Needs attention.
	Endpoint  string
	ExactHost string
}

// BulkView is the bulk retry's confirmation with its count, or, once
// confirmed, the recovery's progress.
type BulkView struct {
	Filter   AdminFilter
	Count    int
	Error    string
	Progress *RecoveryView
}

// RecoveryCard is the endpoint page's "retry failed deliveries" card: the
// newest recovery's progress, and the offer to start one.
type RecoveryCard struct {
	EndpointID string
	Enabled    bool
	// JustEnabled: the endpoint was enabled a moment ago; the offer says so.
	JustEnabled bool
	Latest      *RecoveryView // nil: none yet
	Offer       RecoveryOffer
	// OOB sends the card out of band, beside another swap.
	OOB bool
}

// RecoveryOffer is "Retry the N failed deliveries since <time>", counted
// before the user confirms, with the range the user may change.
type RecoveryOffer struct {
	EndpointID string
	From       string // the form's values, "2006-01-02 15:04" in UTC
	To         string // "": until now
	Count      int
	// FailingSince: From is when the endpoint started failing (the default).
	FailingSince bool
	Errors       map[string]string // inline messages by field ("from", "to")
	Error        string            // a message for the whole form
}

// RecoveryView is a recovery's progress: "412 of 1,000 retried · 398 succeeded".
type RecoveryView struct {
	ID          string
	URL         string // its page
	PollURL     string // its progress, polled while not done
	Scope       string // what it retries, in words
	From        *time.Time
	To          time.Time
	RequestedAt time.Time
	Total       int
	Retried     int
	Succeeded   int
	Done        bool
	// Fresh: it was just started here.
	Fresh bool
}

// RecoveryPage is a recovery's own page.
type RecoveryPage struct {
	Recovery RecoveryView
	BackURL  string
	BackText string
	Admin    bool
}

// AuditView is an audit log page: a user's own, or the admin's of everyone.
type AuditView struct {
	Admin   bool
	Who     string // the admin's filters
	Action  string
	Actions []AuditAction
	Entries []AuditRow
	NextURL string
	Error   string
}

// AuditAction is an action the admin's filter offers.
type AuditAction struct {
	Value string
	Label string
}

// AuditRow is one audit entry as a line of the log.
type AuditRow struct {
	ID         int64
	Actor      string // an email, or who else acted in words
	ActorKind  string // "user", "admin", "system", "api"
	Owner      string // whose resource (the admin's page)
	Action     string
	Text       string // the action in words
	Detail     string
	TargetText string
	TargetURL  string // "": not linked
	At         time.Time
	Address    string // "": not shown
}

// AdminDeliveryPage is the admin's page for one delivery.
type AdminDeliveryPage struct {
	Detail    DeliveryDetailView
	UserEmail string
	UserID    string
	Endpoint  string
}

// ConfirmView is the no-JavaScript confirmation page of a destructive action.
type ConfirmView struct {
	Title   string
	Message string
	Action  string
	Button  string
	Cancel  string
}
