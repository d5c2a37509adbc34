package views

import (
	"fmt"
	"time"
)

// The words of owner notifications, shared by the dashboard and the
// emails (internal/mail renders NoticeEmailHTML and its text twin from
// the same NoticeEmail).

// NoticeKindLabel names a kind of notice as the settings page offers it.
func NoticeKindLabel(kind string) string {
	switch kind {
	case "failing":
		return "An endpoint's deliveries start failing"
	case "disabling":
		return "An endpoint will be disabled within 24 hours"
	case "disabled":
		return "An endpoint was disabled"
	case "recovered":
		return "An endpoint recovered"
	}
	return kind
}

// NoticeTitle is a notice's headline, and its email's subject.
func NoticeTitle(kind, url string) string {
	switch kind {
	case "failing":
		return "Deliveries to " + url + " are failing"
	case "disabling":
		return url + " will be disabled within 24 hours"
	case "disabled":
		return url + " was disabled"
	case "recovered":
		return url + " recovered"
	}
	return url
}

// NoticeLastError says the last failed attempt's result in words: "HTTP
// 500 from your server", "Connection error: dial tcp ...: connection
// refused". Empty when there was none.
func NoticeLastError(outcome *string, code *int32, errText *string) string {
	if outcome == nil {
		return ""
	}
	switch {
	case *outcome == "http_error" && code != nil:
		return fmt.Sprintf("HTTP %d from your server", *code)
	case errText != nil && *errText != "":
		return outcomeText(*outcome) + ": " + *errText
	case code != nil:
		return fmt.Sprintf("%s (HTTP %d)", outcomeText(*outcome), *code)
	}
	return outcomeText(*outcome)
}

// NoticeFailedText says how many deliveries failed since when: "3 failed
// deliveries since 2026-05-01 12:00 UTC". Empty when the start is unknown.
func NoticeFailedText(count int, since *time.Time) string {
	if since == nil {
		return ""
	}
	return countOf(count, "failed delivery", "failed deliveries") + " since " + minuteStamp(*since)
}

// NoticeRecoverPath is a notice's link to the endpoint's recovery form,
// counting the failed deliveries since the trouble began (the form's
// from, to the minute; the page's recovery card when that is unknown).
func NoticeRecoverPath(endpointID string, since *time.Time) string {
	if since == nil {
		return "/endpoints/" + endpointID + "#recovery"
	}
	return "/endpoints/" + endpointID + "/recover?from=" + since.UTC().Format("2006-01-02T15:04")
}

// NoticeEmail is a notice as its email says it.
type NoticeEmail struct {
	Kind        string
	Title       string
	EndpointURL string
	Reason      string
	LastError   string // NoticeLastError; empty: none
	FailedText  string // NoticeFailedText; empty: unknown
	RaisedAt    time.Time
	// Links, absolute: the endpoint's page, its recovery form (retry the
	// failed deliveries), the notification settings (List-Unsubscribe).
	EndpointLink, RecoverLink, SettingsLink string
	KindLabel                               string
}

// Stamp is the notice's time as the email says it.
func (n NoticeEmail) Stamp() string { return stamp(n.RaisedAt) }

// NoticeRow is one notice in a list: the user's, or the admin's (Owner,
// Mail set).
type NoticeRow struct {
	ID          int64
	Kind        string
	Title       string
	EndpointURL string
	// EndpointLink and RecoverLink are empty where the viewer cannot open
	// them (the admin's list: another user's endpoint).
	EndpointLink, RecoverLink string
	Reason                    string
	LastError                 string
	// FailedCount deliveries failed since FailedSince (nil: unknown).
	FailedCount int
	FailedSince *time.Time
	At          time.Time
	Unread      bool
	// The admin's list.
	Owner string
	Mail  MailState
}

// MailState is a notice's email as the admin's list shows it.
type MailState struct {
	State    string // queued, retrying, sent, failed, no_smtp, off
	Attempts int
	Error    string
	SentAt   *time.Time
	DueAt    *time.Time
}

// mailStateText says a notice's email state in words.
func mailStateText(s string) string {
	switch s {
	case "queued":
		return "Queued"
	case "retrying":
		return "Retrying"
	case "sent":
		return "Sent"
	case "failed":
		return "Failed"
	case "no_smtp":
		return "Not sent: no SMTP configured"
	case "off":
		return "Not sent: turned off by the user"
	}
	return s
}

// MailStates are the admin filter's email states, in order.
var MailStates = []string{"queued", "retrying", "sent", "failed", "no_smtp", "off"}

// NoticesView is the user's notices page.
type NoticesView struct {
	Notices []NoticeRow
	// NewestID is the newest notice shown: viewing the page marks the
	// notices up to it read.
	NewestID int64
	Unread   int
	NextURL  string
	Error    string
	Mail     bool // SMTP is configured
}

// NoticeSettingsView is the notification settings page.
type NoticeSettingsView struct {
	Kinds []NoticeSetting
	Email string
	Mail  bool   // SMTP is configured
	Saved bool   // just saved
	Kind  string // the kind of the email whose link led here
	Error string
}

// NoticeSetting is one kind's switch.
type NoticeSetting struct {
	Kind  string
	Label string
	On    bool
}

// AdminNoticesView is the admin's list of every notice.
type AdminNoticesView struct {
	Notices []NoticeRow
	State   string
	NextURL string
	Error   string
	Mail    bool
}
