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
	// Nav names the active section: "endpoints" or "admin".
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
}

// EndpointRow is one endpoint in the list.
type EndpointRow struct {
	ID             string
	URL            string
	Description    string
	Events         []string
	Enabled        bool
	DisabledReason string
	Last           *LastDelivery // nil: no delivery yet
	Rate           Rate
}

// LastDelivery is an endpoint's newest delivery.
type LastDelivery struct {
	ID     string
	URL    string // its detail in the drawer
	Status string
	Event  string
	Code   *int32
	At     time.Time
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
	CreatedAt      time.Time
	Secret         SecretView
	Test           TestEventView
	// Drawer is rendered open when the URL names the deliveries or a delivery.
	Drawer *DrawerView
}

// SecretView is the signing secret box.
type SecretView struct {
	EndpointID string
	Revealed   string // empty: masked
	Rotated    bool   // Revealed is a secret that was just made
}

// TestEventView is the "send a test event" form.
type TestEventView struct {
	EndpointID string
	Enabled    bool
	EventTypes []string
	Event      string
	Error      string
	// OOB sends the form out of band, beside another swap.
	OOB bool
}

// DrawerView is the deliveries drawer: a list, or one delivery.
type DrawerView struct {
	EndpointID  string
	EndpointURL string
	CloseURL    string
	List        *DeliveryListView
	Detail      *DeliveryDetailView
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
}

// DeliveryRow is one delivery in a list (the drawer's or the admin's).
type DeliveryRow struct {
	ID            string
	Event         string
	Status        string
	CreatedAt     time.Time
	Attempts      int32 // every attempt recorded
	AutoAttempts  int32 // the automatic ones, which count toward MaxAttempts
	MaxAttempts   int
	LastCode      *int32
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

// DeliveryDetailView is one delivery: the request, then the live part.
type DeliveryDetailView struct {
	ID          string
	EventID     string
	Event       string
	EndpointURL string
	CreatedAt   time.Time
	BackURL     string // the list; empty on the admin's page
	Headers     []Header
	Body        string
	BodyPruned  bool
	Live        DeliveryLiveView
}

// Header is one request header as sent.
type Header struct {
	Name  string
	Value string
	Note  string
}

// DeliveryLiveView is the part of a delivery that changes: its state, the
// retry button and the attempts. It refreshes itself until final.
type DeliveryLiveView struct {
	ID            string
	Status        string
	AttemptCount  int32
	AutoAttempts  int32
	MaxAttempts   int
	NextAttemptAt *time.Time
	CompletedAt   *time.Time
	LastCode      *int32
	FailureReason string
	InFlight      bool
	Requested     bool
	RetryURL      string
	RetryDisabled string // why the retry button is disabled; empty: enabled
	PollURL       string
	Notice        string
	Error         string
	Attempts      []AttemptView
}

// AttemptView is one attempt.
type AttemptView struct {
	Number       int32
	Trigger      string
	StartedAt    time.Time
	DurationMs   int32
	StatusCode   *int32
	Outcome      string
	Error        string
	ResponseBody string
	Truncated    bool
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
}

// AdminFilter is the admin screen's filters as the form shows them.
type AdminFilter struct {
	Status string
	User   string
	Host   string
	Event  string
	Since  string // "", "1h", "24h", "7d", "30d"
	Query  string // a delivery id or a recording id
}

// BulkView is the bulk retry's confirmation or its result.
type BulkView struct {
	Filter  AdminFilter
	Count   int
	Capped  bool // more than Count match; the newest Count are retried
	Done    bool
	Queued  int
	Message string
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
