package dispatch_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// slack is how late an attempt may start after its schedule step: the
// claimer's poll, a claim and a completion under -race on a busy machine.
// The assertions only bound lateness loosely; they never demand precision.
const slack = 400 * time.Millisecond

// TestWholeSchedule runs a production-shaped (7-step) schedule, compressed:
// a receiver answering 500 gets exactly 8 automatic attempts at the
// scheduled offsets, the delivery ends failed with no next attempt, and no
// ninth automatic attempt ever comes. A manual retry then makes exactly one
// more attempt with the same id and body; a second retry while it is in
// flight is refused; a manual success ends the failed delivery as succeeded.
func TestWholeSchedule(t *testing.T) {
	t.Parallel()
	schedule := []time.Duration{100, 200, 300, 400, 500, 600, 700}
	for i := range schedule {
		schedule[i] *= time.Millisecond
	}
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case n <= 8:
			w.WriteHeader(http.StatusInternalServerError)
		case n == 9: // the first manual attempt stays in flight until released
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	app, user, _ := setup(t, map[string]string{
		"CLIPCABINET_RETRY_SCHEDULE":  "100ms,200ms,300ms,400ms,500ms,600ms,700ms",
		"CLIPCABINET_ATTEMPT_TIMEOUT": "3s",
	}, rc.URL+"/hook")
	id := publishOne(t, app, user)

	d := app.WaitDelivery(t, id, 20*time.Second, hasStatus("failed"))
	hits := rc.Hits()
	if len(hits) != 8 {
		t.Fatalf("receiver got %d attempts before the delivery failed, want 8", len(hits))
	}
	for i := 1; i < len(hits); i++ {
		gap, step := hits[i].at.Sub(hits[i-1].at), schedule[i-1]
		if gap < step || gap >= step+slack {
			t.Errorf("attempt %d came %s after attempt %d, want %s (+ less than %s)", i+1, gap, i, step, slack)
		}
	}
	if d.NextAttemptAt != nil || d.AttemptCount != 8 || len(d.Attempts) != 8 || d.LastStatusCode == nil || *d.LastStatusCode != 500 {
		t.Fatalf("failed delivery = %+v, want 8 attempts, nextAttemptAt null, lastStatusCode 500", d)
	}
	for i, a := range d.Attempts {
		if a.Number != i+1 || a.Trigger != "automatic" || a.Outcome != "http_error" || a.StatusCode == nil || *a.StatusCode != 500 {
			t.Errorf("attempt %d = %+v, want automatic http_error 500", i+1, a)
		}
	}
	time.Sleep(schedule[len(schedule)-1] + 2*slack)
	if n := len(rc.Hits()); n != 8 {
		t.Fatalf("receiver got %d attempts after the delivery failed, want no ninth", n)
	}

	// One manual attempt, promptly, and a second request while it is in flight is a conflict.
	asked := time.Now()
	var retried testapp.Delivery
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+id+"/retry", nil, &retried)
	if retried.ID != id || retried.Status != "failed" {
		t.Errorf("retry answered %+v, want the failed delivery", retried)
	}
	hits = rc.waitHits(t, 9, 5*time.Second)
	if wait := hits[8].at.Sub(asked); wait > time.Second {
		t.Errorf("manual attempt arrived %s after the retry, want within a second on an idle server", wait)
	}
	if code, body := app.API(t, "POST", "/api/v1/deliveries/"+id+"/retry", nil); code != http.StatusConflict {
		t.Errorf("second retry while one is in flight: %d %s, want 409", code, body)
	}
	close(release)
	d = app.WaitDelivery(t, id, 5*time.Second, attempts(9))
	if a := d.Attempts[8]; a.Number != 9 || a.Trigger != "manual" || a.Outcome != "http_error" {
		t.Errorf("manual attempt = %+v, want number 9, manual, http_error", a)
	}
	if d.Status != "failed" || d.NextAttemptAt != nil {
		t.Errorf("after a failed manual attempt the delivery is %s, next %v; want failed, null", d.Status, d.NextAttemptAt)
	}
	for i, h := range hits {
		if h.delivery != id || !bytes.Equal(h.body, hits[0].body) {
			t.Errorf("attempt %d sent delivery %s and body %q; want %s and the same body as attempt 1", i+1, h.delivery, h.body, id)
		}
	}
	if d.Payload == nil || *d.Payload != string(hits[0].body) {
		t.Errorf("stored payload differs from the bytes sent")
	}
	time.Sleep(2 * slack)
	if n := len(rc.Hits()); n != 9 {
		t.Fatalf("receiver got %d attempts, want exactly one manual attempt", n)
	}

	// A manual success ends a failed delivery as succeeded.
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+id+"/retry", nil, nil)
	d = app.WaitDelivery(t, id, 5*time.Second, hasStatus("succeeded"))
	if d.AttemptCount != 10 || d.Attempts[9].Trigger != "manual" || d.Attempts[9].Outcome != "success" || d.NextAttemptAt != nil {
		t.Errorf("after a manual success: %+v", d)
	}
}

// TestManualRetryKeepsSchedule: a manual attempt of a retrying delivery
// leaves its nextAttemptAt alone unless it succeeds, and arrives within a
// second. A manual attempt of a succeeded delivery is a redelivery: the
// delivery stays succeeded whatever the answer.
func TestManualRetryKeepsSchedule(t *testing.T) {
	t.Parallel()
	var ok atomic.Bool
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		if ok.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	app, user, _ := setup(t, map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h,1h"}, rc.URL+"/hook")
	id := publishOne(t, app, user)
	d := app.WaitDelivery(t, id, 5*time.Second, attempts(1))
	if d.Status != "retrying" || d.NextAttemptAt == nil {
		t.Fatalf("after one failure: %+v, want retrying with a next attempt", d)
	}
	next := *d.NextAttemptAt

	retry := func(wantAttempts int) testapp.Delivery {
		t.Helper()
		asked := time.Now()
		app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+id+"/retry", nil, nil)
		hits := rc.waitHits(t, wantAttempts, 5*time.Second)
		if wait := hits[wantAttempts-1].at.Sub(asked); wait > time.Second {
			t.Errorf("manual attempt arrived %s after the retry, want within a second", wait)
		}
		d := app.WaitDelivery(t, id, 5*time.Second, attempts(wantAttempts))
		if a := d.Attempts[wantAttempts-1]; a.Trigger != "manual" {
			t.Errorf("attempt %d trigger %s, want manual", wantAttempts, a.Trigger)
		}
		return d
	}

	d = retry(2)
	if d.Status != "retrying" || d.NextAttemptAt == nil || *d.NextAttemptAt != next || d.Attempts[1].Outcome != "http_error" {
		t.Errorf("after a failed manual attempt: status %s next %v outcome %s; want retrying, next %s unchanged, http_error",
			d.Status, d.NextAttemptAt, d.Attempts[1].Outcome, next)
	}

	ok.Store(true)
	d = retry(3)
	if d.Status != "succeeded" || d.NextAttemptAt != nil || d.Attempts[2].Outcome != "success" {
		t.Errorf("after a successful manual attempt: status %s next %v; want succeeded, null", d.Status, d.NextAttemptAt)
	}

	ok.Store(false)
	d = retry(4)
	if d.Status != "succeeded" || d.Attempts[3].Outcome != "http_error" {
		t.Errorf("a failed redelivery of a succeeded delivery: status %s, want it to stay succeeded", d.Status)
	}
	time.Sleep(2 * slack)
	if n := len(rc.Hits()); n != 4 {
		t.Errorf("receiver got %d attempts, want 4 (1 automatic, 3 manual)", n)
	}
}

// TestManualRetryRefused covers the answers that are not 202, on a server
// whose dispatcher is stopped so a requested attempt stays requested.
func TestManualRetryRefused(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	eps := []testapp.Endpoint{
		app.NewEndpoint(t, user, rc.URL+"/a", "comment.added"),
		app.NewEndpoint(t, user, rc.URL+"/b", "comment.added"),
		app.NewEndpoint(t, user, rc.URL+"/c", "comment.added"),
	}
	ids := publishComment(t, app, user)
	byEndpoint := map[string]string{}
	for _, id := range ids {
		byEndpoint[app.Delivery(t, id).EndpointID] = id
	}
	requested, disabled, deleted := byEndpoint[eps[0].ID], byEndpoint[eps[1].ID], byEndpoint[eps[2].ID]

	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+requested+"/retry", nil, nil)
	app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+eps[1].ID, map[string]any{"enabled": false}, nil)
	app.MustAPI(t, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+eps[2].ID, nil, nil)

	tests := []struct {
		name     string
		id       string
		want     int
		wantText string
	}{
		{name: "already requested", id: requested, want: http.StatusConflict, wantText: "already requested"},
		{name: "endpoint disabled", id: disabled, want: http.StatusConflict, wantText: "disabled"},
		{name: "endpoint deleted", id: deleted, want: http.StatusConflict, wantText: "deleted"},
		{name: "unknown delivery", id: "del_0000000000000000", want: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := app.API(t, "POST", "/api/v1/deliveries/"+tt.id+"/retry", nil)
			if code != tt.want || !strings.Contains(string(body), tt.wantText) {
				t.Errorf("retry: %d %s, want %d mentioning %q", code, body, tt.want, tt.wantText)
			}
		})
	}
	if n := len(rc.Hits()); n != 0 {
		t.Errorf("receiver got %d requests with the dispatcher stopped", n)
	}
}
