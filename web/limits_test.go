package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

func apiErrorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not the error shape: %s", body)
	}
	return e.Error.Message
}

// TestEndpointsPerUserLimit: CLIPCABINET_MAX_ENDPOINTS_PER_USER, in the
// API (409 naming the limit, also for simultaneous creates) and the
// dashboard (the form again, with the message).
func TestEndpointsPerUserLimit(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_MAX_ENDPOINTS_PER_USER": "3"}})
	user := app.NewUser(t, "many@example.com")
	path := "/api/v1/users/" + user + "/endpoints"
	body := map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"comment.added"}}

	// Five at once: three are made.
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := app.API(t, "POST", path, body)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusCreated] != 3 || codes[http.StatusConflict] != 2 {
		t.Fatalf("five simultaneous creates with a limit of 3: %v", codes)
	}
	code, out := app.API(t, "POST", path, body)
	if code != http.StatusConflict || !strings.Contains(apiErrorMessage(t, out), "at most 3 endpoints") {
		t.Fatalf("fourth endpoint: %d %s", code, out)
	}
	var list struct{ Data []struct{ ID string } }
	app.MustAPI(t, http.StatusOK, "GET", path, nil, &list)
	app.MustAPI(t, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+list.Data[0].ID, nil, nil)
	app.MustAPI(t, http.StatusCreated, "POST", path, body, nil)

	c := newClient(t, app)
	c.signUp("form@example.com")
	for range 3 {
		c.createEndpoint("http://127.0.0.1:9/y", "")
	}
	p := c.post("/endpoints", url.Values{"url": {"http://127.0.0.1:9/z"}, "events": {"comment.added"}, "enabled": {"true"}}).status(http.StatusConflict)
	if msg := p.text(`[data-testid="form-error"]`); !strings.Contains(msg, "at most 3 endpoints") {
		t.Fatalf("dashboard message %q", msg)
	}
	if attr(p.one(`[data-testid="endpoint-url"]`), "value") != "http://127.0.0.1:9/z" {
		t.Fatal("the form lost what was typed")
	}
}

// TestTestEventsPerMinuteLimit: CLIPCABINET_TEST_EVENTS_PER_MINUTE per
// user, 429 naming the limit in the API, inline in the dashboard.
func TestTestEventsPerMinuteLimit(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_TEST_EVENTS_PER_MINUTE": "2"}})
	user := app.NewUser(t, "tester@example.com")
	ep1 := app.NewEndpoint(t, user, "http://127.0.0.1:9/a")
	ep2 := app.NewEndpoint(t, user, "http://127.0.0.1:9/b")
	send := func(ep string) (int, []byte) {
		return app.API(t, "POST", "/api/v1/endpoints/"+ep+"/test", map[string]string{"event": "comment.added"})
	}
	for _, ep := range []string{ep1.ID, ep2.ID} {
		if code, out := send(ep); code != http.StatusAccepted {
			t.Fatalf("test event: %d %s", code, out)
		}
	}
	// The limit is the user's, across their endpoints.
	code, out := send(ep1.ID)
	if code != http.StatusTooManyRequests || !strings.Contains(apiErrorMessage(t, out), "at most 2 test events per user per minute") {
		t.Fatalf("third test event: %d %s", code, out)
	}

	c := newClient(t, app)
	c.signUp("clicker@example.com")
	ep := c.createEndpoint("http://127.0.0.1:9/c", "")
	for range 2 {
		c.post("/endpoints/"+ep+"/test", url.Values{"event": {"comment.added"}}).status(http.StatusSeeOther)
	}
	p := c.post("/endpoints/"+ep+"/test", url.Values{"event": {"comment.added"}}, htmx("test-event")).status(http.StatusTooManyRequests)
	if msg := p.text(`[data-testid="test-event-error"]`); !strings.Contains(msg, "at most 2 test events") {
		t.Fatalf("dashboard message %q", msg)
	}
}
