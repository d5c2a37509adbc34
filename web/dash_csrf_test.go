package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/static"
	"github.com/clipcabinet/webhooks/web"
)

// TestCrossOriginPostsAreRefused sends a cross-origin POST to every
// state-changing dashboard route in the route table (so a new route is
// covered without editing this test), signed in as the owner: each is
// refused with 403 and nothing changes. The same actions from the page
// (same origin) work: TestEndpointLifecycle, TestDeliveryDrawer,
// TestSecretRevealAndRotate and the browser journeys do them.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	uid := c.signUp("csrf@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": "comment.added"}, &out)
	before, _ := app.Store.AuditList(context.Background(), uid, 100)

	routes := web.New(web.Deps{Config: app.Config, Store: app.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).DashRoutes()
	fill := strings.NewReplacer("{endpointId}", id, "{deliveryId}", out.DeliveryID)
	form := url.Values{"confirm": {"yes"}, "event": {"comment.added"}, "url": {"http://127.0.0.1:9/evil"},
		"events": {"comment.added"}, "email": {"csrf@example.com"}, "password": {testPassword}}
	tested := 0
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || method == http.MethodGet {
			continue
		}
		tested++
		path = fill.Replace(path)
		for name, opt := range map[string]reqOpt{
			"sec-fetch-site": crossSite,
			"origin only": func(r *http.Request) {
				r.Header.Del("Sec-Fetch-Site")
				r.Header.Set("Origin", "https://evil.example")
			},
		} {
			p := c.post(path, form, opt)
			if p.Status != http.StatusForbidden {
				t.Errorf("%s %s (%s): status %d, want 403", method, path, name, p.Status)
			}
		}
	}
	if tested < 14 {
		t.Fatalf("only %d state-changing routes found", tested)
	}

	ep, err := app.Store.EndpointGet(context.Background(), id)
	if err != nil || !ep.Enabled || ep.Url != "http://127.0.0.1:9/hook" {
		t.Fatalf("the endpoint changed: %+v %v", ep, err)
	}
	after, _ := app.Store.AuditList(context.Background(), uid, 100)
	if len(after) != len(before) {
		t.Fatalf("audit log grew from %d to %d entries", len(before), len(after))
	}
	d, _ := app.Store.DeliveryGet(context.Background(), out.DeliveryID)
	if d.ManualRequestedAt != nil {
		t.Fatal("a retry was queued")
	}
	// Still signed in: the cross-origin logout was refused too.
	c.get("/endpoints").status(http.StatusOK)
	// And the same action from the page works.
	c.post("/endpoints/"+id+"/disable", nil, htmx("endpoint-summary")).status(http.StatusOK)

	// The API is not a browser's: no Origin, no Sec-Fetch-Site, it passes.
	app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+id, map[string]any{"enabled": true}, nil)
}

// TestPagesWorkUnderTheCSP checks the headers and that the pages need
// nothing the Content-Security-Policy forbids: no inline script, style or
// event handler, htmx configured without eval, every asset served locally.
func TestPagesWorkUnderTheCSP(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("csp@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": "comment.added"}, &out)

	anon := newClient(t, app)
	for _, path := range []string{"/login", "/signup", "/endpoints", "/endpoints/new", "/endpoints/" + id, "/endpoints/" + id + "/edit",
		"/endpoints/" + id + "/deliveries", "/endpoints/" + id + "/deliveries/" + out.DeliveryID, "/nowhere"} {
		p := c.get(path)
		if path == "/login" || path == "/signup" {
			p = anon.get(path)
		}
		csp := p.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Fatalf("%s: CSP %q", path, csp)
		}
		if p.Header.Get("X-Content-Type-Options") != "nosniff" || p.Header.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("%s: headers %v", path, p.Header)
		}
		for _, s := range p.all("script") {
			if attr(s, "src") == "" || textOf(s) != "" {
				t.Fatalf("%s: inline script", path)
			}
		}
		if len(p.all("style, [style]")) > 0 {
			t.Fatalf("%s: inline style", path)
		}
		for _, n := range p.all("*") {
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
					t.Fatalf("%s: inline handler %s", path, a.Key)
				}
			}
		}
		cfg := attr(p.one(`meta[name="htmx-config"]`), "content")
		if !strings.Contains(cfg, `"includeIndicatorStyles":false`) || !strings.Contains(cfg, `"allowEval":false`) {
			t.Fatalf("%s: htmx config %s", path, cfg)
		}
		p.one(`script[src^="/static/` + static.HTMX + `?v="]`)
		p.one(`[data-testid="private-targets-banner"]`)
	}
	for _, name := range []string{static.HTMX, "app.js", "app.css"} {
		resp, err := http.Get(app.URL + static.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %d %v", name, resp.StatusCode, resp.Header)
		}
	}
	if resp, _ := http.Get(app.URL + "/static/../go.mod"); resp == nil || resp.StatusCode == http.StatusOK {
		t.Fatal("static serves files outside the embedded set")
	}
}
