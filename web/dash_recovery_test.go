package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/web"
)

// recoveryEnv compresses the schedule to two quick attempts. The health
// window is long enough that a slow test run cannot slip out of it; the
// test backdates what must be older than the window instead.
var recoveryEnv = map[string]string{
	"CLIPCABINET_RETRY_SCHEDULE":       "50ms",
	"CLIPCABINET_DISABLE_AFTER":        "10m",
	"CLIPCABINET_DISABLE_MIN_FAILURES": "2",
}

// autoDisabledEndpoint makes an endpoint of the user at rc that the
// maintainer disabled: one delivery succeeded an hour ago (backdated, with
// the endpoint's creation), then n deliveries exhausted their schedule
// against a 500, and a maintenance round ran. It returns the endpoint, the
// failed deliveries and the first failure's creation time. rc answers 500
// afterwards.
func autoDisabledEndpoint(t *testing.T, app *testapp.App, rc *receiver, userID string, n int) (string, []string, time.Time) {
	t.Helper()
	ctx := context.Background()
	ep := app.NewEndpoint(t, userID, rc.URL+"/hook", "comment.added")
	rc.status.Store(http.StatusOK)
	ok := publish(t, app, userID, "comment.added", "")[0]
	app.WaitDelivery(t, ok, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
	for _, sql := range []string{
		`UPDATE endpoints SET created_at = now() - interval '2 hours' WHERE id = $1`,
		`UPDATE deliveries SET created_at = created_at - interval '1 hour' WHERE endpoint_id = $1`,
		`UPDATE attempts SET started_at = started_at - interval '1 hour' WHERE delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id = $1)`,
	} {
		if _, err := app.Pool.Exec(ctx, sql, ep.ID); err != nil {
			t.Fatal(err)
		}
	}
	rc.status.Store(http.StatusInternalServerError)
	var failed []string
	for range n {
		failed = append(failed, publish(t, app, userID, "comment.added", "")[0])
	}
	for _, id := range failed {
		d := app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
		if d.AttemptCount != 2 {
			t.Fatalf("delivery %s failed after %d attempts, want the whole schedule (2)", id, d.AttemptCount)
		}
	}
	var first time.Time
	if err := app.Pool.QueryRow(ctx, `SELECT created_at FROM deliveries WHERE id = $1`, failed[0]).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if err := app.Maintainer.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := app.Store.EndpointGet(ctx, ep.ID)
	if err != nil || got.Enabled || got.DisabledBy == nil || *got.DisabledBy != "system" {
		t.Fatalf("after a maintenance round the endpoint is %+v (%v), want auto-disabled", got, err)
	}
	return ep.ID, failed, first
}

var progressText = regexp.MustCompile(`^(\d+) of (\d+) retried · (\d+) succeeded$`)

// pollRecovery polls a recovery's progress as the page does (the URL in
// its hx-get) until it is done, checking that the numbers only grow and
// read "N of T retried · S succeeded". It returns the final numbers.
func pollRecovery(t *testing.T, c *client, progress *page) (retried, total, succeeded int) {
	t.Helper()
	node := progress.one(`[data-testid="recovery-progress"]`)
	deadline := time.Now().Add(20 * time.Second)
	last := -1
	for {
		text := textOf(cascadiaOne(node, `[data-testid="recovery-numbers"]`))
		m := progressText.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("progress reads %q", text)
		}
		retried, _ = strconv.Atoi(m[1])
		total, _ = strconv.Atoi(m[2])
		succeeded, _ = strconv.Atoi(m[3])
		if retried < last || succeeded > retried || retried > total {
			t.Fatalf("progress went from %d retried to %q", last, text)
		}
		last = retried
		if attr(node, "data-done") == "true" {
			if hasAttr(node, "hx-trigger") {
				t.Fatal("a finished recovery keeps polling")
			}
			return retried, total, succeeded
		}
		if attr(node, "hx-trigger") != "every 2s" {
			t.Fatalf("a running recovery does not poll: %v", node.Attr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("recovery not done in time; last %q", text)
		}
		time.Sleep(100 * time.Millisecond)
		p := c.get(attr(node, "hx-get"), htmx(attr(node, "id"))).status(http.StatusOK)
		node = p.one(`[data-testid="recovery-progress"]`)
	}
}

// TestAutoDisabledEndpointRecovery: an endpoint fails until the maintainer
// disables it; the dashboard shows why, unlike an endpoint its owner
// disabled; once the receiver is fixed the owner re-enables it, is offered
// the failed deliveries since it started failing with their count, changes
// the range (bad input is an inline message), confirms, and watches the
// backlog go out until every failed delivery succeeded. The endpoint is not
// disabled again for the failures that disabled it.
func TestAutoDisabledEndpointRecovery(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{Env: recoveryEnv})
	rc := newReceiver(t, http.StatusOK)
	c := newClient(t, app)
	uid := c.signUp("recover@example.com")
	epID, failed, firstFailure := autoDisabledEndpoint(t, app, rc, uid, 3)

	// The list tells the service's disable from the owner's.
	mine := c.createEndpoint(rc.URL+"/paused", "", "recording.failed")
	c.post("/endpoints/"+mine+"/disable", nil, htmx("endpoint-summary")).status(http.StatusOK)
	list := c.get("/endpoints").status(http.StatusOK)
	for id, want := range map[string]string{epID: "auto-disabled", mine: "disabled"} {
		row := list.one(`[data-testid="endpoint-row"][data-endpoint-id="` + id + `"]`)
		if got := attr(cascadiaOne(row, `[data-testid="endpoint-state"]`), "data-state"); got != want {
			t.Fatalf("endpoint %s state %q, want %q", id, got, want)
		}
	}
	row := list.one(`[data-testid="endpoint-row"][data-endpoint-id="` + epID + `"]`)
	if reason := textOf(cascadiaOne(row, `[data-testid="endpoint-disabled-reason"]`)); !strings.Contains(reason, "No successful delivery for 10 minutes while 2 or more deliveries failed") {
		t.Fatalf("list reason %q", reason)
	}
	if got := attr(list.one(`[data-testid="endpoint-row"][data-endpoint-id="`+mine+`"] [data-testid="endpoint-disabled-reason"]`), "class"); strings.Contains(got, "reason-auto") {
		t.Fatalf("the owner's disable looks like the service's: %q", got)
	}

	page := c.get("/endpoints/" + epID).status(http.StatusOK)
	if attr(page.one(`[data-testid="disabled-banner"]`), "data-auto") != "true" {
		t.Fatal("the banner does not say the service disabled it")
	}
	if reason := page.text(`[data-testid="disabled-reason"]`); !strings.HasPrefix(reason, "No successful delivery for 10 minutes") {
		t.Fatalf("banner reason %q", reason)
	}
	page.one(`[data-testid="recovery-disabled"]`)
	if page.has(`[data-testid="recovery-form"]`) {
		t.Fatal("a disabled endpoint offers a recovery")
	}
	if attr(c.get("/endpoints/"+mine).one(`[data-testid="disabled-banner"]`), "data-auto") != "false" {
		t.Fatal("the owner's disable is shown as automatic")
	}

	// Fixed and re-enabled: the offer comes with the count first.
	rc.status.Store(http.StatusOK)
	enabled := c.post("/endpoints/"+epID+"/enable", nil, htmx("endpoint-summary")).status(http.StatusOK)
	if enabled.has(`[data-testid="disabled-banner"]`) {
		t.Fatal("still shown as disabled")
	}
	card := enabled.one(`[data-testid="recovery-card"]`)
	if attr(card, "hx-swap-oob") != "true" {
		t.Fatal("the recovery card is not swapped in beside the summary")
	}
	enabled.one(`[data-testid="recovery-reenabled"]`)
	from := firstFailure.UTC().Truncate(time.Minute).Format("2006-01-02 15:04")
	if got := attr(enabled.one(`[data-testid="recovery-from"]`), "value"); got != from {
		t.Fatalf("offer starts at %q, want when the endpoint started failing, %q", got, from)
	}
	count := enabled.one(`[data-testid="recovery-count"]`)
	if attr(count, "data-count") != "3" || !strings.HasPrefix(textOf(count), "Retry the 3 failed deliveries since "+strings.Replace(from, "T", " ", 1)+" UTC") {
		t.Fatalf("offer %q (count %s)", textOf(count), attr(count, "data-count"))
	}
	if got := enabled.text(`[data-testid="recovery-confirm"]`); got != "Retry 3 deliveries" {
		t.Fatalf("confirm button %q", got)
	}

	// Changing the range recounts; bad input is said inline, never a 500.
	hourBefore := firstFailure.Add(-2 * time.Hour).UTC().Format("2006-01-02T15:04")
	beforeFailures := firstFailure.Add(-time.Minute).UTC().Format("2006-01-02T15:04")
	for _, tc := range []struct {
		name     string
		from, to string
		status   int
		count    string
		problem  string
	}{
		{"default", from, "", http.StatusOK, "3", ""},
		{"ends before the failures", hourBefore, beforeFailures, http.StatusOK, "0", ""},
		{"missing start", "", "", http.StatusUnprocessableEntity, "", "Choose the time"},
		{"not a time", "yesterday<script>", "", http.StatusUnprocessableEntity, "", "Enter a date and time"},
		{"in the future", time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04"), "", http.StatusUnprocessableEntity, "", "in the future"},
		{"end before start", from, hourBefore, http.StatusUnprocessableEntity, "", "after the start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}, "to": {tc.to}}.Encode()
			p := c.get("/endpoints/"+epID+"/recover?"+q, htmx("recovery-summary")).status(tc.status)
			if got := attr(p.one(`[data-testid="recovery-count"]`), "data-count"); got != tc.count {
				t.Fatalf("count %q, want %q", got, tc.count)
			}
			if tc.problem != "" && !strings.Contains(p.text(`[data-testid="recovery-range-error"]`), tc.problem) {
				t.Fatalf("message %q, want %q", p.text(`[data-testid="recovery-range-error"]`), tc.problem)
			}
			if tc.problem != "" && strings.Contains(p.Body, "<script>") {
				t.Fatal("input echoed unescaped")
			}
		})
	}
	// Without JavaScript the same URL is the whole page with the offer.
	full := c.get("/endpoints/" + epID + "/recover?" + url.Values{"from": {from}}.Encode()).status(http.StatusOK)
	full.one(`[data-testid="endpoint-summary"]`)
	if got := attr(full.one(`[data-testid="recovery-count"]`), "data-count"); got != "3" {
		t.Fatalf("page count %q", got)
	}
	// A bad range posted is the form again with its message.
	bad := c.post("/endpoints/"+epID+"/recoveries", url.Values{"from": {"31/12/2024"}}, htmx("recovery")).status(http.StatusUnprocessableEntity)
	if !strings.Contains(bad.text(`[data-testid="recovery-from-error"]`), "Enter a date and time") {
		t.Fatal("no inline message for a bad start")
	}

	// Confirmed: the backlog goes out in the background, and the progress polls itself.
	created := c.post("/endpoints/"+epID+"/recoveries", url.Values{"from": {from}, "to": {""}}, htmx("recovery")).status(http.StatusCreated)
	progress := created.one(`[data-testid="recovery-progress"]`)
	if attr(progress, "data-total") != "3" || !strings.Contains(created.text(`[data-testid="recovery-started"]`), "3 failed deliveries") {
		t.Fatalf("started: %s", created.Body)
	}
	// A fast receiver can have had all three before the answer was rendered:
	// then the recovery is done and the offer is back, rightly.
	if created.has(`[data-testid="recovery-form"]`) && attr(progress, "data-done") != "true" {
		t.Fatal("the offer is still shown while the recovery runs")
	}
	retried, total, succeeded := pollRecovery(t, c, created)
	if retried != 3 || total != 3 || succeeded != 3 {
		t.Fatalf("final progress %d of %d retried, %d succeeded", retried, total, succeeded)
	}
	for _, id := range failed {
		d := app.Delivery(t, id)
		if d.Status != "succeeded" || d.AttemptCount != 3 || d.Attempts[2].Trigger != "manual" || *d.Attempts[2].StatusCode != http.StatusOK {
			t.Fatalf("delivery %s after the recovery: %+v", id, d)
		}
	}

	// The recovery's page is the owner's only.
	// The details link is there whether the recovery was still running
	// when the answer rendered (polling) or already done (no polling).
	pagePath := attr(created.one(`[data-testid="recovery-link"]`), "href")
	link := pagePath + "?part=progress"
	c.get(pagePath).status(http.StatusOK).one(`[data-testid="recovery-page"] [data-testid="recovery-progress"][data-done="true"]`)
	stranger := newClient(t, app)
	stranger.signUp("stranger@example.com")
	stranger.get(pagePath).status(http.StatusNotFound)
	stranger.get(link).status(http.StatusNotFound)
	stranger.post("/endpoints/"+epID+"/recoveries", url.Values{"from": {from}}).status(http.StatusNotFound)
	// Ids PostgreSQL cannot hold are a 404 too, not a 500.
	for _, path := range []string{"/endpoints/%ff", pagePath + "%ff", "/endpoints/" + epID + "/recoveries/a%00b"} {
		c.get(path).status(http.StatusNotFound)
	}

	// Nothing is left to retry: the form says so instead of starting an empty one.
	again := c.post("/endpoints/"+epID+"/recoveries", url.Values{"from": {from}}, htmx("recovery")).status(http.StatusConflict)
	again.one(`[data-testid="recovery-error"]`)

	// Re-enabled, the endpoint gets a whole window: the failures that
	// disabled it, and the manual successes, count neither way.
	if err := app.Maintainer.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ep, _ := app.Store.EndpointGet(context.Background(), epID); !ep.Enabled {
		t.Fatalf("re-enabled endpoint disabled again: %v", *ep.DisabledReason)
	}
	// The endpoint page shows the finished recovery's result.
	c.get("/endpoints/" + epID).one(`[data-testid="recovery-card"] [data-testid="recovery-progress"][data-done="true"]`)
}

// TestRecoveryRespectsEndpointCap: a recovery of 30 deliveries goes through
// the ordinary queue, so the endpoint never has more attempts in flight
// than CLIPCABINET_ENDPOINT_CONCURRENCY (2), however many are marked at once.
func TestRecoveryRespectsEndpointCap(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_ENDPOINT_CONCURRENCY": "2"}})
	var inFlight, most, got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		got.Add(1)
		time.Sleep(25 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, app)
	uid := c.signUp("cap@example.com")
	epID := c.createEndpoint(srv.URL+"/hook", "", "comment.added")
	const n = 30
	for range n {
		publish(t, app, uid, "comment.added", "")
	}
	// As if every automatic attempt had failed while the receiver was down.
	if _, err := app.Pool.Exec(context.Background(), `WITH dq AS (DELETE FROM delivery_queue WHERE endpoint_id = $1)
		UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, completed_at = now() WHERE endpoint_id = $1`, epID); err != nil {
		t.Fatal(err)
	}
	page := c.get("/endpoints/" + epID).status(http.StatusOK)
	if got := attr(page.one(`[data-testid="recovery-count"]`), "data-count"); got != strconv.Itoa(n) {
		t.Fatalf("offer counts %s", got)
	}
	from := attr(page.one(`[data-testid="recovery-from"]`), "value")
	created := c.post("/endpoints/"+epID+"/recoveries", url.Values{"from": {from}}, htmx("recovery")).status(http.StatusCreated)
	app.Dispatcher.Start(context.Background())
	retried, total, succeeded := pollRecovery(t, c, created)
	if retried != n || total != n || succeeded != n || got.Load() != n {
		t.Fatalf("%d of %d retried, %d succeeded; receiver got %d", retried, total, succeeded, got.Load())
	}
	if m := most.Load(); m != 2 {
		t.Fatalf("at most %d attempts in flight at the endpoint, want the cap of 2", m)
	}
}

// TestRecoveryRoutesInTheRouteTable: the recovery's state change is a POST
// in the dashboard's route table, so TestCrossOriginPostsAreRefused sends
// it cross-origin (and sees it refused, with no audit entry), and its
// pages are GETs that change nothing.
func TestRecoveryRoutesInTheRouteTable(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	routes := web.New(web.Deps{Config: app.Config, Store: app.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).DashRoutes()
	for _, want := range []string{
		"POST /endpoints/{endpointId}/recoveries", "GET /endpoints/{endpointId}/recover",
		"GET /endpoints/{endpointId}/recoveries/{recoveryId}", "POST /admin/deliveries/retry",
		"GET /admin/recoveries/{recoveryId}", "GET /audit", "GET /admin/audit",
	} {
		if !slices.Contains(routes, want) {
			t.Errorf("route %q is not in the dashboard's route table", want)
		}
	}
}
