package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// client is a browser stand-in: a cookie jar, and the headers a browser
// sends on a same-origin request (Sec-Fetch-Site, Origin on POST).
type client struct {
	t   *testing.T
	app *testapp.App
	hc  *http.Client
}

func newClient(t *testing.T, app *testapp.App) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Transport: app.Client.Transport, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{t: t, app: app, hc: hc}
}

// page is an answer, parsed.
type page struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   string
	Doc    *html.Node
}

type reqOpt func(*http.Request)

// htmx marks the request as htmx's, swapping into the element with id target.
func htmx(target string) reqOpt {
	return func(r *http.Request) {
		r.Header.Set("HX-Request", "true")
		if target != "" {
			r.Header.Set("HX-Target", target)
		}
	}
}

// crossSite makes the request look like a form post from another site.
func crossSite(r *http.Request) {
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
}

func (c *client) do(method, path string, form url.Values, opts ...reqOpt) *page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.app.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if method != http.MethodGet {
		req.Header.Set("Origin", c.app.URL)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := &page{t: c.t, Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if strings.Contains(p.Body, "<html") {
			p.Doc, err = html.Parse(strings.NewReader(p.Body))
		} else {
			// A fragment: parse it where it goes (table rows in a tbody).
			ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
			if strings.HasPrefix(strings.TrimSpace(p.Body), "<tr") {
				ctx = &html.Node{Type: html.ElementNode, Data: "tbody", DataAtom: atom.Tbody}
			}
			var nodes []*html.Node
			nodes, err = html.ParseFragment(strings.NewReader(p.Body), ctx)
			root := &html.Node{Type: html.DocumentNode}
			for _, n := range nodes {
				root.AppendChild(n)
			}
			p.Doc = root
		}
		if err != nil {
			c.t.Fatalf("%s %s: parse HTML: %v", method, path, err)
		}
	}
	return p
}

func (c *client) get(path string, opts ...reqOpt) *page {
	c.t.Helper()
	return c.do("GET", path, nil, opts...)
}

func (c *client) post(path string, form url.Values, opts ...reqOpt) *page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.do("POST", path, form, opts...)
}

// all returns the nodes matching a CSS selector.
func (p *page) all(sel string) []*html.Node {
	p.t.Helper()
	if p.Doc == nil {
		p.t.Fatalf("not HTML (status %d): %.300s", p.Status, p.Body)
	}
	return cascadia.QueryAll(p.Doc, cascadia.MustCompile(sel))
}

// one returns the single node matching sel, failing otherwise.
func (p *page) one(sel string) *html.Node {
	p.t.Helper()
	ns := p.all(sel)
	if len(ns) != 1 {
		p.t.Fatalf("%d nodes match %q, want 1 (status %d):\n%.2000s", len(ns), sel, p.Status, p.Body)
	}
	return ns[0]
}

func (p *page) has(sel string) bool { p.t.Helper(); return len(p.all(sel)) > 0 }

// text is the text of the single node matching sel, spaces collapsed.
func (p *page) text(sel string) string { p.t.Helper(); return textOf(p.one(sel)) }

func (p *page) status(want int) *page {
	p.t.Helper()
	if p.Status != want {
		p.t.Fatalf("status %d, want %d:\n%.3000s", p.Status, want, p.Body)
	}
	return p
}

func textOf(n *html.Node) string {
	return strings.Join(strings.Fields(rawText(n)), " ")
}

// rawText is a node's text exactly, whitespace kept.
func rawText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// signUp creates an account through the sign-up form; the client is then
// signed in. It returns the user's id.
func (c *client) signUp(email string) string {
	c.t.Helper()
	p := c.post("/signup", url.Values{"email": {email}, "name": {"Test User"}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/endpoints" {
		c.t.Fatalf("sign up: status %d, location %q:\n%.2000s", p.Status, p.Header.Get("Location"), p.Body)
	}
	u, err := c.app.Store.UserByEmail(context.Background(), email)
	if err != nil {
		c.t.Fatal(err)
	}
	return u.ID
}

// logIn signs in through the login form.
func (c *client) logIn(email, password string) *page {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// newAdmin creates an admin account directly in the store.
func newAdmin(t testing.TB, app *testapp.App, email string) string {
	t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := app.Store.UserCreate(context.Background(), store.NewUser{
		ID: webhook.NewID("user_"), Email: email, Name: "Admin", PasswordHash: &hash, Admin: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// createEndpoint adds an endpoint through the dashboard form and returns its id.
func (c *client) createEndpoint(target, description string, events ...string) string {
	c.t.Helper()
	if len(events) == 0 {
		events = webhook.EventTypes
	}
	p := c.post("/endpoints", url.Values{"url": {target}, "description": {description}, "events": events, "enabled": {"true"}})
	loc := p.Header.Get("Location")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/endpoints/ep_") {
		c.t.Fatalf("create endpoint: status %d, location %q:\n%.2000s", p.Status, loc, p.Body)
	}
	return strings.TrimPrefix(loc, "/endpoints/")
}

// cascadiaOne is the first node under n matching sel.
func cascadiaOne(n *html.Node, sel string) *html.Node {
	return cascadia.Query(n, cascadia.MustCompile(sel))
}
