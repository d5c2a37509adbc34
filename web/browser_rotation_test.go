package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// keyedReceiver verifies every delivery against the secrets it holds, as
// a customer's receiver does: 204 when one of them verifies the
// signature, 401 otherwise. It counts which secret verified each delivery.
type keyedReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secrets  []string
	verified map[string]int // by secret
	rejected int
}

func newKeyedReceiver(t *testing.T) *keyedReceiver {
	rc := &keyedReceiver{verified: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, s := range rc.secrets {
			if webhook.Verify(s, body, r.Header.Get(webhook.HeaderSignature)) {
				rc.verified[s]++
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		rc.rejected++
		http.Error(w, "invalid signature", http.StatusUnauthorized)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// accept replaces the secrets the receiver verifies with (a deploy).
func (rc *keyedReceiver) accept(secrets ...string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets = secrets
}

func (rc *keyedReceiver) counts(secret string) (verified, rejected int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.verified[secret], rc.rejected
}

// journeyRotateSwitchNow is issue 13's journey: the receiver holds the
// current secret; rotating "in 1 hour" shows the new secret once, the
// copy button puts it on the clipboard and the receiver deploys it beside
// the old one; a delivery in the window is still signed with the old
// secret; "Switch now" makes the new one sign, the receiver drops the old
// one, and the drawer shows the following deliveries succeed.
func journeyRotateSwitchNow(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rc := newKeyedReceiver(t)
	b.signUp(app, "journey-rotate@example.com")
	b.createEndpoint(rc.URL+"/hook", "Rotation")

	old := b.revealSecret()
	rc.accept(old)
	b.sendTestEvent(1)
	b.closeDrawer()

	b.do("choose in 1 hour", chromedp.SetValue(css(`[data-testid="rotate-when"]`), "3600"))
	b.askConfirm("rotate", "rotate-secret")
	b.check("40-rotate-confirm")
	rotatedAt := time.Now()
	b.do("confirm the rotation",
		chromedp.Click(css(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-rotated"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-pending"]`)),
	)
	next := b.text(`[data-testid="secret-value"]`)
	if next == old || !strings.HasPrefix(next, "whsec_") {
		t.Fatalf("new secret %q (old %q)", next, old)
	}
	at := run(b, "changeover time", chromedp.Evaluate[string](
		`document.querySelector('[data-testid="secret-activates-at"]').getAttribute('datetime')`))
	if when, err := time.Parse(time.RFC3339, at); err != nil || when.Before(rotatedAt.Add(59*time.Minute)) || when.After(time.Now().Add(61*time.Minute)) {
		t.Fatalf("changeover at %q (%v), want in 1 hour", at, err)
	}
	if got := b.text(`[data-testid="secret-countdown"]`); got != "in 1 h 0 min" && got != "in 59 min" {
		t.Fatalf("countdown %q", got)
	}
	b.check("41-rotated-new-secret-once")

	// Copy: the clipboard holds exactly the new secret.
	b.grantClipboard(app)
	b.do("copy the new secret",
		chromedp.Click(css(`[data-testid="copy-secret"]`)),
		chromedp.WaitVisible(css(`[data-testid="copy-secret"].copied`)),
	)
	copied := run(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if copied != next {
		t.Fatalf("clipboard %q, want the new secret %q", copied, next)
	}
	rc.accept(old, copied) // deployed beside the old one for the window

	// In the window the current secret still signs.
	b.sendTestEvent(2)
	if n, _ := rc.counts(old); n != 2 {
		t.Fatalf("%d deliveries verified with the old secret, want 2", n)
	}
	b.closeDrawer()

	b.do("the pending rotation after a reload",
		chromedp.Reload(),
		chromedp.WaitVisible(css(`[data-testid="secret-masked"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-pending"]`)),
	)
	b.check("42-rotation-pending")
	b.do("reveal both secrets",
		chromedp.Click(css(`[data-testid="reveal-secret"]`)),
		chromedp.WaitVisible(css(`[data-testid="pending-secret-value"]`)),
	)
	if got, pending := b.text(`[data-testid="secret-value"]`), b.text(`[data-testid="pending-secret-value"]`); got != old || pending != next {
		t.Fatalf("revealed %q and pending %q, want %q and %q", got, pending, old, next)
	}
	b.check("43-rotation-pending-revealed")

	b.askConfirm("switch now", "secret-activate")
	b.check("44-switch-now-confirm")
	b.do("confirm the switch",
		chromedp.Click(css(`[data-testid="confirm-ok"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="secret-pending"]`)),
		chromedp.WaitVisible(css(`[data-testid="secret-masked"]`)),
	)
	if run(b, "rotation note", chromedp.Evaluate[bool](`document.querySelector('[data-testid="snippets-rotation"]') !== null`)) {
		t.Fatal("after the switch the snippets still say a rotation is pending")
	}
	b.check("45-switched")
	rc.accept(copied) // the old secret is retired

	b.sendTestEvent(3)
	b.sendTestEvent(4)
	b.check("46-drawer-after-switch")
	if n, rejected := rc.counts(copied); n != 2 || rejected != 0 {
		t.Fatalf("after the switch %d deliveries verified with the new secret (want 2), %d rejected", n, rejected)
	}
}

// sendTestEvent sends a test event from the endpoint page and waits until
// the drawer lists want deliveries, every one succeeded, then closes it.
func (b *tab) sendTestEvent(want int) {
	b.t.Helper()
	b.closeDrawer()
	b.do("send a test event",
		htmxIdle(),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer"]`)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`(() => {
				const rows = document.querySelectorAll('[data-testid="delivery-row"]');
				return rows.length === `+strconv.Itoa(want)+` && [...rows].every(r => r.dataset.status === 'succeeded');
			})()`, chromedp.WithPollingInterval(100*time.Millisecond))(ctx, t)
			return err
		}),
	)
}

// closeDrawer closes the deliveries drawer if it is open (Escape, as a
// person would), so the endpoint page under it can be used again.
func (b *tab) closeDrawer() {
	b.t.Helper()
	if run(b, "drawer open", chromedp.Evaluate[bool](`document.querySelector('[data-testid="drawer"]') !== null`)) {
		b.do("close the drawer", htmxIdle(), chromedp.KeyEvent("\x1b"), chromedp.WaitNotPresent(css(`[data-testid="drawer"]`)))
	}
}
