package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// The browser journeys run in real headless Chromium (Debian's package,
// installed by `make browser`). One browser serves every journey; each
// journey gets its own browser context, so cookies never leak between them.
// They save screenshots of the main screens in screenshots/ (git-ignored)
// for a person to look at.

const chromiumPath = "/usr/bin/chromium"

// screenshotDir is the repository's screenshots/ folder, found from this
// file's path so it does not depend on the working directory.
var screenshotDir = func() string {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return filepath.Join("..", "screenshots")
	}
	return filepath.Join(filepath.Dir(file), "..", "screenshots")
}()

func TestBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is not installed at %s: run `make browser` (scripts/chromium.sh installs Debian's chromium)", chromiumPath)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts Chromium
		t.Fatalf("start Chromium: %v (run `make browser`)", err)
	}

	for _, j := range []struct {
		name string
		run  func(*testing.T, *tab)
	}{
		{"signup_endpoint_reveal_test_event", journeySignupToDelivery},
		{"failing_receiver_then_manual_retry", journeyManualRetry},
		{"admin_retries_another_users_delivery", journeyAdminRetry},
		{"other_users_endpoint_is_404", journeyOtherUser404},
		{"auto_disabled_endpoint_recovered", journeyRecovery},
		{"rotate_in_an_hour_copy_switch_now", journeyRotateSwitchNow},
		{"every_other_screen", journeyScreens},
		{"closed_port_reason", journeyClosedPort},
		{"failures_then_success_tabs_timeline", journeyExchangeTimeline},
		{"polish_local_time_refresh_deleted_history", journeyPolish},
		{"admin_needs_attention_retry_group", journeyAttention},
		{"catalogue_then_edited_test_event", journeyCatalogueTestEvent},
		{"endpoint_health_charts", journeyHealth},
		{"notices_unread_settings_admin", journeyNotices},
		{"copy_as_curl_signature_checker_csv", journeyReproduce},
	} {
		t.Run(j.name, func(t *testing.T) {
			t.Parallel()
			b := newTab(t, browser)
			j.run(t, b)
			// Before the journey's apps stop (their cleanups run after
			// this): see finish.
			b.finish()
		})
	}
}

// tab is one journey's browser context, with the page errors it collected.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
	finished bool // the journey is over: what the page does next is not its problem
}

func newTab(t *testing.T, browser context.Context) *tab {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx}
	// Any script error or CSP violation fails the journey: the page must
	// work under the Content-Security-Policy as it is.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			tb.problem("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value))
				}
				tb.problem("console.error: " + strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError && !strings.Contains(e.Entry.Text, "status of 4") &&
				!strings.Contains(e.Entry.Text, "favicon") {
				tb.problem("log: " + e.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Errorf("page problem: %s", p)
		}
	})
	return tb
}

func (b *tab) problem(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.finished {
		b.problems = append(b.problems, p)
	}
}

// finish ends the journey's watch for page problems and leaves the page.
// The journey's server stops in its cleanup, before the tab's: a row that
// still polls it then fails to connect, which is the test's ending, not
// the page's fault.
func (b *tab) finish() {
	b.mu.Lock()
	b.finished = true
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	_ = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
}

// do runs steps with a deadline, failing the test with what was attempted.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("FAILED-" + b.t.Name())
		b.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

func (b *tab) location() string {
	b.t.Helper()
	return run(b, "location", chromedp.Location())
}

// shot saves a screenshot of the viewport as screenshots/<name>.png.
func (b *tab) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// eval runs a script in the page for its effect (DevTools' evaluation is
// not bound by the page's CSP; the page's own code is).
// htmxIdle waits until no htmx request is in flight or swapping, so a
// click does not land on an element a late swap is about to replace.
func htmxIdle() chromedp.Action[chromedp.Void] {
	return waitFor(`document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling') === null`)
}

// clickLive clicks the first element matching sel, like chromedp.Click,
// in a part of the page that htmx may swap meanwhile (a delivery row
// refreshes itself while it is pending or retrying): when the node was
// replaced between being found and being clicked, the click is made again
// on its replacement, as a user clicking the row as it redraws would.
func clickLive(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var err error
		for range 5 {
			if _, err = chromedp.Click(css(sel))(ctx, t); err == nil || !strings.Contains(err.Error(), "node with given id") {
				return err
			}
		}
		return err
	})
}

// waitFor waits until the script's value is true.
func waitFor(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))(ctx, t)
		return err
	})
}

func eval(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](js)(ctx, t)
		return err
	})
}

// signUp creates an account through the sign-up page.
func (b *tab) signUp(app *testapp.App, email string) {
	b.t.Helper()
	b.do("sign up",
		chromedp.Navigate(app.URL+"/signup"),
		chromedp.WaitVisible(css(`[data-testid="signup-email"]`)),
		chromedp.SendKeys(css(`[data-testid="signup-email"]`), email),
		chromedp.SendKeys(css(`[data-testid="signup-password"]`), testPassword),
		chromedp.Click(css(`[data-testid="signup-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="new-endpoint"]`)),
	)
}

func (b *tab) logIn(app *testapp.App, email string) {
	b.t.Helper()
	b.do("log in",
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(css(`[data-testid="login-email"]`)),
		chromedp.SendKeys(css(`[data-testid="login-email"]`), email),
		chromedp.SendKeys(css(`[data-testid="login-password"]`), testPassword),
		chromedp.Click(css(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="account-email"]`)),
	)
}

// revealSecret reveals the endpoint page's signing secret and returns it.
func (b *tab) revealSecret() string {
	b.t.Helper()
	b.do("reveal the secret",
		chromedp.Click(css(`[data-testid="reveal-secret"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-value"]`)),
	)
	return b.text(`[data-testid="secret-value"]`)
}

// createEndpoint fills the new endpoint form and returns the endpoint id.
func (b *tab) createEndpoint(target, description string) string {
	b.t.Helper()
	b.do("create endpoint",
		chromedp.Click(css(`[data-testid="new-endpoint"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-url"]`)),
		chromedp.SendKeys(css(`[data-testid="endpoint-url"]`), target),
		chromedp.SendKeys(css(`textarea[data-testid="endpoint-description"]`), description),
		chromedp.Click(css(`[data-testid="endpoint-save"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-summary"]`)),
	)
	loc := b.location()
	i := strings.LastIndex(loc, "/endpoints/")
	if i < 0 {
		b.t.Fatalf("after create, location %s", loc)
	}
	return loc[i+len("/endpoints/"):]
}

// receiver is a local webhook receiver whose answer the test controls.
type receiver struct {
	*httptest.Server
	status   atomic.Int32
	secret   atomic.Value // string: verify signatures once set
	verified atomic.Int32
	got      atomic.Int32
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{}
	rc.status.Store(int32(status))
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.got.Add(1)
		if s, ok := rc.secret.Load().(string); ok && webhook.Verify(s, body, r.Header.Get(webhook.HeaderSignature)) {
			rc.verified.Add(1)
		}
		code := int(rc.status.Load())
		w.WriteHeader(code)
		if code >= 300 {
			_, _ = io.WriteString(w, `{"error":"<script>alert('receiver')</script> database is down"}`)
		} else {
			_, _ = io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// journeySignupToDelivery: sign up, add an endpoint pointing at a local
// receiver, reveal its secret, send a test event, and see the attempt's 200
// in the drawer; the drawer's URL survives a reload.
func journeySignupToDelivery(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rc := newReceiver(t, http.StatusOK)

	b.signUp(app, "journey-a@example.com")
	b.check("01-endpoints-empty")
	epID := b.createEndpoint(rc.URL+"/hooks/clipcabinet", "Production <b>receiver</b>")
	b.check("02-endpoint-page")

	secret := b.revealSecret()
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("revealed secret %q", secret)
	}
	rc.secret.Store(secret)
	b.check("03-secret-revealed")

	b.do("send a test event",
		chromedp.SetValue(css(`[data-testid="test-event-type"]`), "comment.added"),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer-notice"]`)),
		// The new row refreshes itself until its attempt is recorded.
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="succeeded"]`)),
	)
	if got := b.text(`[data-testid="delivery-row"] [data-testid="delivery-code"]`); got != "200" {
		t.Fatalf("row response code %q", got)
	}
	if got := b.text(`[data-testid="delivery-row"] [data-testid="delivery-attempts"]`); got != "1 of 3" {
		t.Fatalf("row attempts %q", got)
	}
	if !strings.HasSuffix(b.location(), "/endpoints/"+epID+"/deliveries") {
		t.Fatalf("drawer URL %s", b.location())
	}
	b.check("04-drawer-list")

	// Filters swap the list in place and go into the URL.
	b.do("filter on failed",
		chromedp.SetValue(css(`[data-testid="filter-status"]`), "failed"),
		eval(`document.querySelector('[data-testid="filter-status"]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(css(`[data-testid="deliveries-empty"]`)),
	)
	if !strings.Contains(b.location(), "status=failed") {
		t.Fatalf("filter not in the URL: %s", b.location())
	}
	b.do("filter on all",
		chromedp.SetValue(css(`[data-testid="filter-status"]`), ""),
		eval(`document.querySelector('[data-testid="filter-status"]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"]`)),
	)

	b.do("open the delivery",
		htmxIdle(),
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`[data-testid="delivery-detail"]`)),
		chromedp.WaitVisible(css(`[data-testid="attempt"][data-outcome="success"]`)),
	)
	if got := b.text(`[data-testid="attempt"] [data-testid="attempt-code"]`); got != "200" {
		t.Fatalf("attempt code %q", got)
	}
	if got := b.text(`[data-testid="header-X-ClipCabinet-Event"]`); got != "comment.added" {
		t.Fatalf("event header %q", got)
	}
	b.check("05-delivery-detail")
	if rc.verified.Load() != 1 {
		t.Fatalf("receiver verified %d of %d deliveries with the revealed secret", rc.verified.Load(), rc.got.Load())
	}

	// Copy as curl: the command the owner is shown, run by a shell, is a
	// second request the receiver verifies.
	b.do("show the curl command",
		chromedp.Click(css(`[data-testid="curl-details"] summary`)),
		chromedp.WaitVisible(css(`[data-testid="curl-command"]`)),
		eval(`document.querySelector('[data-testid="curl-section"]').scrollIntoView()`),
	)
	b.check("05b-delivery-curl")
	cmd := run(b, "the curl command", chromedp.Evaluate[string](`document.querySelector('[data-testid="curl-command"]').textContent`))
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil || string(out) != "ok" {
		t.Fatalf("sh -c the copied command: %v, %q\n%s", err, out, cmd)
	}
	if rc.verified.Load() != 2 {
		t.Fatalf("receiver verified %d of %d requests after the copied command", rc.verified.Load(), rc.got.Load())
	}

	// The detail has its own URL: a reload opens it again.
	detailURL := b.location()
	b.do("reload the detail", chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="delivery-detail"]`)))
	if b.location() != detailURL {
		t.Fatalf("after reload %s, want %s", b.location(), detailURL)
	}

	// Escape closes the drawer and goes back to the endpoint's URL.
	b.do("close the drawer",
		chromedp.KeyEvent("\x1b"),
		chromedp.WaitNotPresent(css(`[data-testid="drawer"]`)),
	)
	if !strings.HasSuffix(b.location(), "/endpoints/"+epID) {
		t.Fatalf("after closing the drawer: %s", b.location())
	}

	// The signature checker: a pretty-printed body with the signature of
	// the compact one is "body altered"; the secret without whsec_ is named.
	const compact = `{"event":"comment.added","n":1}`
	b.do("check a re-serialised body",
		chromedp.SetValue(css(`[data-testid="sigcheck-body"]`), "{\n  \"event\": \"comment.added\",\n  \"n\": 1\n}"),
		chromedp.SetValue(css(`[data-testid="sigcheck-signature"]`), webhook.Sign(secret, []byte(compact))),
		chromedp.Click(css(`[data-testid="sigcheck-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="sigcheck-result"][data-case="body-altered"]`)),
		eval(`document.getElementById('sigcheck').scrollIntoView()`),
	)
	b.check("06b-signature-check")
	b.do("check a signature keyed without whsec_",
		chromedp.SetValue(css(`[data-testid="sigcheck-body"]`), compact),
		chromedp.SetValue(css(`[data-testid="sigcheck-signature"]`), webhook.Sign(strings.TrimPrefix(secret, "whsec_"), []byte(compact))),
		chromedp.Click(css(`[data-testid="sigcheck-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="sigcheck-result"][data-case="no-prefix"]`)),
	)

	// Rotating asks first, in the page's dialog, then shows the new secret.
	b.do("rotate the secret",
		chromedp.Click(css(`[data-testid="rotate-secret"]`)),
		chromedp.WaitVisible(css(`[data-testid="confirm-dialog"]`)),
	)
	if msg := b.text(`[data-testid="confirm-dialog"] [data-confirm-message]`); !strings.Contains(msg, "retries") {
		t.Fatalf("rotation warning %q does not mention retries", msg)
	}
	b.check("06-rotate-confirm")
	b.do("confirm rotation",
		chromedp.Click(css(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-rotated"]`)),
	)
	if rotated := b.text(`[data-testid="secret-value"]`); rotated == secret || !strings.HasPrefix(rotated, "whsec_") {
		t.Fatalf("rotated secret %q (old %q)", rotated, secret)
	}

	b.do("endpoint list",
		chromedp.Click(css(`[data-testid="nav-endpoints"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-row"]`)),
	)
	if got := b.text(`[data-testid="endpoint-rate"]`); !strings.HasPrefix(got, "100%") {
		t.Fatalf("success rate %q", got)
	}
	b.check("07-endpoints-list")
}

// journeyManualRetry: a receiver that fails shows 500 and the next attempt
// time; once it is fixed, a manual retry succeeds and the page updates by
// itself, without a reload.
func journeyManualRetry(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h,2h"}})
	rc := newReceiver(t, http.StatusInternalServerError)

	b.signUp(app, "journey-b@example.com")
	b.createEndpoint(rc.URL+"/hook", "")
	b.do("send a test event to the failing receiver",
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="retrying"]`)),
	)
	if got := b.text(`[data-testid="delivery-row"] [data-testid="delivery-code"]`); got != "500" {
		t.Fatalf("row code %q", got)
	}
	if got := b.text(`[data-testid="delivery-row"] [data-testid="delivery-next"]`); !strings.HasPrefix(got, "in ") {
		t.Fatalf("next attempt %q", got)
	}
	b.check("10-drawer-retrying")
	b.do("open the failed delivery",
		clickLive(`[data-testid="delivery-link"]`),
		// In the drawer's container, not in its place: the row still
		// refreshing itself must not lend its swap to the link.
		chromedp.WaitVisible(css(`#drawer > [data-testid="drawer"] [data-testid="answer-next"]`)),
	)
	if got := b.text(`[data-testid="detail-last-code"]`); got != "500" {
		t.Fatalf("detail code %q", got)
	}
	b.do("show the response", chromedp.Click(css(`label[for^="tab-response-"]`)), chromedp.WaitVisible(css(`[data-testid="response-body"]`)))
	if got := b.text(`[data-testid="response-body"]`); !strings.Contains(got, "<script>") {
		t.Fatalf("response body not shown as text: %q", got)
	}
	b.check("11-delivery-failed-detail")

	// Mark the document: a reload would lose the mark.
	run(b, "mark the page", chromedp.Evaluate[bool](`window.__noReload = true`))
	rc.status.Store(http.StatusOK)
	b.do("retry",
		clickLive(`[data-testid="retry"]`),
		chromedp.WaitVisible(css(`[data-testid="delivery-live"][data-status="succeeded"]`)),
		chromedp.WaitVisible(css(`[data-testid="attempt"][data-number="2"][data-outcome="success"]`)),
		// The response tab, still the one chosen, shows the new answer.
		chromedp.WaitVisible(css(`[data-testid="response-status"][data-number="2"]`)),
	)
	if !run(b, "check the mark", chromedp.Evaluate[bool](`window.__noReload === true`)) {
		t.Fatal("the page was reloaded")
	}
	if got := b.text(`[data-testid="detail-last-code"]`); got != "200" {
		t.Fatalf("after retry, code %q", got)
	}
	b.check("12-delivery-retried")
}

// journeyAdminRetry: an admin sees another user's failed delivery and
// retries it from the list.
func journeyAdminRetry(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rc := newReceiver(t, http.StatusBadGateway)
	owner := app.NewUser(t, "customer@example.com")
	ep := app.NewEndpoint(t, owner, rc.URL+"/hook")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "recording.failed"}, &out)
	app.WaitDelivery(t, out.DeliveryID, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })

	newAdmin(t, app, "ops@example.com")
	b.do("login page", chromedp.Navigate(app.URL+"/login"), chromedp.WaitVisible(css(`[data-testid="login-form"]`)))
	b.check("00-login")
	b.logIn(app, "ops@example.com")
	row := `[data-testid="delivery-row"][data-delivery-id="` + out.DeliveryID + `"]`
	b.do("admin list: Admin opens Needs attention, the failed list is its tab",
		chromedp.Click(css(`[data-testid="nav-admin"]`)),
		chromedp.WaitVisible(css(`[data-testid="attention-list"]`)),
		chromedp.Click(css(`[data-testid="admin-tab-deliveries"]`)),
		chromedp.WaitVisible(css(row)),
	)
	if got := b.text(row + ` [data-testid="delivery-user"]`); got != "customer@example.com" {
		t.Fatalf("owner %q", got)
	}
	b.check("13-admin-failed")
	b.do("bulk retry preview",
		chromedp.Click(css(`[data-testid="bulk-preview"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-count"][data-count="1"]`)),
	)
	b.check("13b-admin-bulk-confirm")
	b.do("cancel the bulk retry",
		chromedp.Click(css(`[data-testid="bulk-cancel"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="bulk-count"]`)),
	)
	rc.status.Store(http.StatusOK)
	b.do("retry from the list",
		chromedp.Click(css(row+` [data-testid="row-retry"]`)),
		chromedp.WaitVisible(css(row+`[data-status="succeeded"]`)),
	)
	b.check("14-admin-retried")
	b.do("open it",
		chromedp.Click(css(row+` [data-testid="delivery-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="attempt"][data-outcome="success"]`)),
	)
	b.check("15-admin-delivery")
}

// journeyOtherUser404: a user who opens another user's endpoint (or one of
// its deliveries) gets the 404 page.
func journeyOtherUser404(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	other := app.NewUser(t, "someone-else@example.com")
	ep := app.NewEndpoint(t, other, "http://127.0.0.1:9/hook")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "comment.added"}, &out)

	b.signUp(app, "journey-d@example.com")
	b.do("submit an empty endpoint form",
		chromedp.Click(css(`[data-testid="new-endpoint"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-url"]`)),
		eval(`document.querySelectorAll('input[name=events]').forEach(e => e.checked = false) || true`),
		chromedp.Click(css(`[data-testid="endpoint-save"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-url-error"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-events-error"]`)),
	)
	b.check("17-endpoint-form-errors")
	for _, path := range []string{"/endpoints/" + ep.ID, "/endpoints/" + ep.ID + "/deliveries/" + out.DeliveryID} {
		b.do("open "+path,
			chromedp.Navigate(app.URL+path),
			chromedp.WaitVisible(css(`[data-testid="error-page"][data-status="404"]`)),
		)
		if strings.Contains(b.text("main"), ep.URL) {
			t.Fatal("the 404 page shows the other user's endpoint")
		}
	}
	b.check("16-not-found")
	b.do("the admin area is 404 too",
		chromedp.Navigate(app.URL+"/admin/deliveries"),
		chromedp.WaitVisible(css(`[data-testid="error-page"][data-status="404"]`)),
	)
}
