package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// maxTestData bounds the data of a test event sent from the dashboard.
// Form-encoded, a byte takes at most 3, so data of this size always fits
// in a dashboard form (maxFormBody) and a refusal can show the text again.
const maxTestData = 16 << 10

// dashEndpointSendTest sends a test event: the type's example, or the
// data the user edited, checked against the type's schema first. A
// refusal shows the form again with the user's text and what is wrong;
// a test event sent opens the drawer on the list, where its delivery is on
// top and refreshes until final.
func (s *Server) dashEndpointSendTest(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	event := r.PostFormValue("event")
	v := s.endpointView(ep)
	v.Test.Event = event
	// A form without the field (an older page) sends the example.
	text, edited := r.PostForm["data"]
	if edited {
		v.Test.Data = text[0]
	} else if webhook.KnownEvent(event) {
		v.Test.Data = testExample(event, ep.UserID)
	}
	failed := func(status int, msg string) error {
		v.Test.Error = msg
		if isHTMX(r) {
			w.Header().Set("HX-Retarget", "#test-event")
			w.Header().Set("HX-Reswap", "outerHTML")
			w.Header().Set("HX-Push-Url", "false")
			return s.render(w, r, status, views.TestEventForm(v.Test))
		}
		return s.renderEndpointPage(w, r, status, ep.Url, ep, v)
	}
	if !webhook.KnownEvent(event) {
		return failed(http.StatusUnprocessableEntity, "Choose one of the event types in the list.")
	}
	valid, problem, fields := checkTestData(event, v.Test.Data)
	if problem != "" {
		v.Test.DataProblem, v.Test.DataErrors = problem, fields
		return failed(http.StatusUnprocessableEntity, "")
	}
	id, err := s.sendTestEvent(r.Context(), ep, event, valid)
	var conflict *store.Conflict
	var he *httpError
	if errors.As(err, &conflict) {
		return failed(http.StatusConflict, "The endpoint is disabled: enable it to send a test event.")
	} else if errors.As(err, &he) && he.Status == http.StatusTooManyRequests {
		return failed(he.Status, "Too many test events: "+he.Message+".")
	} else if err != nil {
		return err
	}
	notice := "Test " + event + " event sent as " + id + "."
	if !isHTMX(r) {
		s.flash(r.Context(), "ok", notice)
		return redirect(w, r, deliveriesPath(ep.ID))
	}
	d, err := s.drawerList(r, ep, listQuery{})
	if err != nil {
		return err
	}
	d.List.Notice = notice
	return s.render(w, r, http.StatusOK, views.Drawer(d))
}

// checkTestData checks the text of a test event's data: its size, its
// syntax (saying where it breaks), then the event type's schema (one error
// per field, by path). It returns the data in canonical form, or what is
// wrong as a sentence and the fields.
func checkTestData(event, text string) (webhook.Validated, string, []views.FieldError) {
	switch {
	case len(text) > maxTestData:
		return webhook.Validated{}, fmt.Sprintf("The data has %d bytes; a test event's data may have at most %d (%d KiB).",
			len(text), maxTestData, maxTestData>>10), nil
	case strings.TrimSpace(text) == "":
		return webhook.Validated{}, "Write the data as a JSON object, or choose the event type again to load its example.", nil
	}
	var syntax *json.SyntaxError
	if err := json.Unmarshal([]byte(text), new(any)); errors.As(err, &syntax) {
		line, col := lineCol(text, int(syntax.Offset))
		return webhook.Validated{}, fmt.Sprintf("The data is not valid JSON: %s (line %d, column %d).",
			strings.TrimPrefix(syntax.Error(), "json: "), line, col), nil
	}
	valid, errs := webhook.Validate(event, json.RawMessage(text))
	if errs == nil {
		return valid, "", nil
	}
	fields := make([]views.FieldError, 0, len(errs))
	for path, msg := range errs {
		fields = append(fields, views.FieldError{Path: path, Message: msg})
	}
	slices.SortFunc(fields, func(a, b views.FieldError) int { return strings.Compare(a.Path, b.Path) })
	return webhook.Validated{}, "The data does not match the schema of " + event + ":", fields
}

// lineCol is the line and column (from 1, in characters) of the byte at
// offset in text; the column of the end of the text when offset is past it.
func lineCol(text string, offset int) (int, int) {
	before := text[:min(max(offset-1, 0), len(text))]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return line, col
}
