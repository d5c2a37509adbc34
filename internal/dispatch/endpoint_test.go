package dispatch_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestEndpointStop: disabling or deleting an endpoint ends its unfinished
// deliveries (pending and retrying) as failed, with the reason on each, and
// nothing more is sent. The attempt in flight at that moment finishes and is
// recorded: failed with the same reason if it failed, succeeded (and no
// failure reason) if it succeeded.
func TestEndpointStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		stop       func(t *testing.T, app *testapp.App, ep string)
		inflight   int // the answer to the attempt in flight
		wantReason string
	}{
		{
			name: "disable, attempt in flight fails",
			stop: func(t *testing.T, app *testapp.App, ep string) {
				app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep, map[string]any{"enabled": false}, nil)
			},
			inflight: http.StatusInternalServerError, wantReason: "endpoint disabled: disabled through the API",
		},
		{
			name: "disable, attempt in flight succeeds",
			stop: func(t *testing.T, app *testapp.App, ep string) {
				app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep, map[string]any{"enabled": false}, nil)
			},
			inflight: http.StatusOK, wantReason: "endpoint disabled: disabled through the API",
		},
		{
			name: "delete, attempt in flight fails",
			stop: func(t *testing.T, app *testapp.App, ep string) {
				app.MustAPI(t, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+ep, nil, nil)
			},
			inflight: http.StatusBadGateway, wantReason: "endpoint deleted",
		},
		{
			name: "delete, attempt in flight succeeds",
			stop: func(t *testing.T, app *testapp.App, ep string) {
				app.MustAPI(t, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+ep, nil, nil)
			},
			inflight: http.StatusNoContent, wantReason: "endpoint deleted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n != 4 {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				select { // the fourth request stays in flight until released
				case <-release:
				case <-r.Context().Done():
				}
				w.WriteHeader(tt.inflight)
			})
			// One attempt at a time per endpoint, so deliveries queue behind the one in flight.
			app, user, ep := setup(t, map[string]string{
				"CLIPCABINET_RETRY_SCHEDULE":       "1h",
				"CLIPCABINET_ENDPOINT_CONCURRENCY": "1",
				"CLIPCABINET_ATTEMPT_TIMEOUT":      "10s",
			}, rc.URL+"/hook")

			var retrying, pending []string
			for range 3 {
				id := publishOne(t, app, user)
				app.WaitDelivery(t, id, 5*time.Second, hasStatus("retrying"))
				retrying = append(retrying, id)
			}
			inflight := publishOne(t, app, user)
			rc.waitHits(t, 4, 5*time.Second)
			for range 3 {
				pending = append(pending, publishOne(t, app, user))
			}
			for _, id := range pending {
				if d := app.Delivery(t, id); d.Status != "pending" {
					t.Fatalf("delivery queued behind the one in flight is %s, want pending", d.Status)
				}
			}

			stopped := time.Now().UTC().Truncate(time.Millisecond)
			tt.stop(t, app, ep.ID)
			for _, id := range append(retrying, pending...) {
				d := app.Delivery(t, id)
				if d.Status != "failed" || d.NextAttemptAt != nil || d.FailureReason == nil || *d.FailureReason != tt.wantReason {
					t.Errorf("delivery after the stop: status %s next %v reason %v; want failed, null, %q",
						d.Status, deref(d.NextAttemptAt), deref(d.FailureReason), tt.wantReason)
				}
			}

			close(release)
			d := app.WaitDelivery(t, inflight, 5*time.Second, attempts(1))
			switch {
			case tt.inflight >= 300 && (d.Status != "failed" || d.FailureReason == nil || *d.FailureReason != tt.wantReason):
				t.Errorf("failed attempt in flight at the stop: status %s reason %v; want failed, %q", d.Status, deref(d.FailureReason), tt.wantReason)
			case tt.inflight < 300 && (d.Status != "succeeded" || d.FailureReason != nil):
				t.Errorf("successful attempt in flight at the stop: status %s reason %v; want succeeded, no reason", d.Status, deref(d.FailureReason))
			}
			if d.NextAttemptAt != nil {
				t.Errorf("delivery in flight at the stop has a next attempt at %s", *d.NextAttemptAt)
			}
			var times struct{ CompletedAt time.Time }
			app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries/"+inflight, nil, &times)
			if times.CompletedAt.Before(stopped) {
				t.Errorf("delivery in flight at the stop completed at %s, before the stop at %s", times.CompletedAt, stopped)
			}
			time.Sleep(time.Second)
			if n := len(rc.Hits()); n != 4 {
				t.Errorf("receiver got %d requests, want nothing after the stop", n-4)
			}
		})
	}
}

// TestRotatedSecret: signatures are made at send time, so after a rotation
// every attempt, automatic retries and manual ones of deliveries published
// before it included, is signed with the new secret and not the old.
func TestRotatedSecret(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	app, user, ep := setup(t, map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1s,1h"}, rc.URL+"/hook")
	id := publishOne(t, app, user)
	d := app.WaitDelivery(t, id, 5*time.Second, attempts(1))
	var rotated struct{ Secret string }
	app.MustAPI(t, http.StatusOK, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate", nil, &rotated)
	if d.Status != "retrying" || rotated.Secret == ep.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Fatalf("setup: delivery %s, secret %q", d.Status, rotated.Secret)
	}
	app.WaitDelivery(t, id, 5*time.Second, attempts(2)) // the automatic retry, after the rotation
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+id+"/retry", nil, nil)
	d = app.WaitDelivery(t, id, 5*time.Second, hasStatus("succeeded"))
	if d.Attempts[1].Trigger != "automatic" || d.Attempts[2].Trigger != "manual" {
		t.Fatalf("attempts %+v, want automatic then manual after the first", d.Attempts)
	}

	hits := rc.Hits()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	for i, h := range hits {
		oldOK, newOK := webhook.Verify(ep.Secret, h.body, h.sig), webhook.Verify(rotated.Secret, h.body, h.sig)
		if i == 0 && (!oldOK || newOK) {
			t.Errorf("attempt 1 (before the rotation): verifies with old %v, new %v; want old only", oldOK, newOK)
		}
		if i > 0 && (oldOK || !newOK) {
			t.Errorf("attempt %d (after the rotation): verifies with old %v, new %v; want new only", i+1, oldOK, newOK)
		}
	}
}
