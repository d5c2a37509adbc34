package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Default().Debug("write json", "err", err)
	}
}

// jsonTime renders as the contract's RFC 3339 UTC with milliseconds.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + webhook.FormatTime(time.Time(t)) + `"`), nil
}

func optTime(t *time.Time) *jsonTime {
	if t == nil {
		return nil
	}
	j := jsonTime(*t)
	return &j
}

type userJSON struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Admin     bool     `json:"admin"`
	CreatedAt jsonTime `json:"createdAt"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, CreatedAt: jsonTime(u.CreatedAt)}
}

type endpointJSON struct {
	ID             string   `json:"id"`
	UserID         string   `json:"userId"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason *string  `json:"disabledReason"`
	CreatedAt      jsonTime `json:"createdAt"`
	UpdatedAt      jsonTime `json:"updatedAt"`
	// SecretActivatesAt is a pending secret's changeover time.
	SecretActivatesAt *jsonTime `json:"secretActivatesAt"`
	StandardWebhooks  bool      `json:"standardWebhooks"`
	Secret            string    `json:"secret,omitempty"`
}

func toEndpointJSON(e store.Endpoint) endpointJSON {
	return endpointJSON{
		ID: e.ID, UserID: e.UserID, URL: e.Url, Description: e.Description, Events: e.Events,
		Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		CreatedAt: jsonTime(e.CreatedAt), UpdatedAt: jsonTime(e.UpdatedAt),
		SecretActivatesAt: optTime(e.SecretActivatesAt), StandardWebhooks: e.StandardWebhooks,
	}
}

type deliveryJSON struct {
	ID             string    `json:"id"`
	EventID        string    `json:"eventId"`
	EndpointID     string    `json:"endpointId"`
	UserID         string    `json:"userId"`
	Event          string    `json:"event"`
	Status         string    `json:"status"`
	AttemptCount   int32     `json:"attemptCount"`
	NextAttemptAt  *jsonTime `json:"nextAttemptAt"`
	LastStatusCode *int32    `json:"lastStatusCode"`
	CreatedAt      jsonTime  `json:"createdAt"`
	CompletedAt    *jsonTime `json:"completedAt"`
	FailureReason  *string   `json:"failureReason,omitempty"`
	// LastOutcome is the last attempt's outcome (null before the first).
	LastOutcome *string `json:"lastOutcome"`
}

func toDeliveryJSON(d store.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, EventID: d.EventID, EndpointID: d.EndpointID, UserID: d.UserID, Event: d.EventType,
		Status: d.Status, AttemptCount: d.AttemptCount, NextAttemptAt: optTime(d.NextAttemptAt),
		LastStatusCode: d.LastStatusCode, CreatedAt: jsonTime(d.CreatedAt), CompletedAt: optTime(d.CompletedAt),
		FailureReason: d.FailureReason, LastOutcome: d.LastOutcome,
	}
}

type attemptJSON struct {
	Number            int32    `json:"number"`
	Trigger           string   `json:"trigger"`
	StartedAt         jsonTime `json:"startedAt"`
	DurationMs        int32    `json:"durationMs"`
	StatusCode        *int32   `json:"statusCode"`
	Outcome           string   `json:"outcome"`
	Error             *string  `json:"error"`
	ResponseBody      string   `json:"responseBody"`
	ResponseTruncated bool     `json:"responseTruncated"`
	Timings           struct {
		DNSMs       *int32 `json:"dnsMs"`
		ConnectMs   *int32 `json:"connectMs"`
		TLSMs       *int32 `json:"tlsMs"`
		FirstByteMs *int32 `json:"firstByteMs"`
	} `json:"timings"`
	// ResponseHeaders is stored as the JSON object it is sent as; {} when
	// there was no response.
	ResponseHeaders json.RawMessage `json:"responseHeaders"`
	RemoteAddr      *string         `json:"remoteAddr"`
}

func toAttemptJSON(a store.Attempt) attemptJSON {
	out := attemptJSON{
		Number: a.Number, Trigger: a.Trigger, StartedAt: jsonTime(a.StartedAt), DurationMs: a.DurationMs,
		StatusCode: a.StatusCode, Outcome: a.Outcome, Error: a.Error,
		ResponseBody: strings.ToValidUTF8(string(a.ResponseBody), "\uFFFD"), ResponseTruncated: a.ResponseTruncated,
		ResponseHeaders: json.RawMessage(`{}`), RemoteAddr: a.RemoteAddr,
	}
	out.Timings.DNSMs, out.Timings.ConnectMs, out.Timings.TLSMs, out.Timings.FirstByteMs = a.DnsMs, a.ConnectMs, a.TlsMs, a.FirstByteMs
	if json.Valid(a.ResponseHeaders) {
		out.ResponseHeaders = a.ResponseHeaders
	}
	return out
}
