package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testsmtp"
)

// journeyNotices: an endpoint fails (a "failing" notice, emailed) and is
// disabled by a 410 while the mail server is down (a "disabled" notice,
// its email retrying). The owner sees the unread count in the header,
// opens the notices (which marks them read), turns one kind of email off;
// the admin sees every notice with its email's state and last error.
func journeyNotices(t *testing.T, b *tab) {
	smtp := testsmtp.Start(t)
	app := testapp.Start(t, testapp.Options{Env: map[string]string{
		"CLIPCABINET_SMTP_URL": smtp.URL(), "CLIPCABINET_MAIL_FROM": "webhooks@example.com",
	}})
	rc := newReceiver(t, http.StatusInternalServerError)
	b.signUp(app, "journey-notices@example.com")
	epID := b.createEndpoint(rc.URL+"/hooks/clipcabinet", "")
	testEvent := func() {
		var out struct{ DeliveryID string }
		app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+epID+"/test", map[string]any{"event": "comment.added"}, &out)
		app.WaitDelivery(t, out.DeliveryID, 30*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}
	testEvent()
	smtp.Wait(t, 1, 30*time.Second)
	smtp.Stop()
	rc.status.Store(http.StatusGone)
	testEvent()
	waitMailTried(t, app)

	b.do("the header counts the unread notices",
		chromedp.Navigate(app.URL+"/endpoints"),
		chromedp.WaitVisible(css(`[data-testid="nav-unread"][data-count="2"]`)),
	)
	b.check("80-endpoints-unread-notices")
	b.do("open the notices: viewing marks them read",
		chromedp.Click(css(`[data-testid="nav-notices"]`)),
		chromedp.WaitVisible(css(`[data-testid="notice"][data-kind="disabled"]`)),
		chromedp.WaitReady(css(`[data-testid="nav-unread"][data-count="0"]`)),
		chromedp.WaitVisible(css(`[data-testid="notices-marked-read"]`)),
	)
	if got := b.text(`[data-testid="notice"][data-kind="disabled"] [data-testid="notice-reason"]`); !strings.Contains(got, "410 Gone") {
		t.Fatalf("disabled notice's reason %q", got)
	}
	b.check("81-notices")

	b.do("email settings",
		chromedp.Click(css(`[data-testid="notice-settings-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="settings-form"]`)),
		chromedp.Click(css(`[data-testid="setting-recovered"]`)),
		chromedp.Click(css(`[data-testid="settings-save"]`)),
		chromedp.WaitVisible(css(`[data-testid="settings-saved"]`)),
	)
	u, err := app.Store.UserByEmail(context.Background(), "journey-notices@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if off, err := app.Store.NoticeOptouts(context.Background(), u.ID); err != nil || strings.Join(off, ",") != "recovered" {
		t.Fatalf("turned off: %v %v", off, err)
	}
	b.check("82-notice-settings-saved")
	b.do("the settings as an email's unsubscribe link opens them",
		chromedp.Navigate(app.URL+"/settings/notifications?kind=failing"),
		chromedp.WaitVisible(css(`[data-testid="settings-from-email"]`)),
	)
	b.check("83-notice-settings-from-email")

	newAdmin(t, app, "journey-notices-admin@example.com")
	b.do("log out", chromedp.Click(css(`[data-testid="logout"]`)), chromedp.WaitVisible(css(`[data-testid="login-email"]`)))
	b.logIn(app, "journey-notices-admin@example.com")
	b.do("the admin's notices",
		chromedp.Navigate(app.URL+"/admin/notices"),
		chromedp.WaitVisible(css(`[data-testid="notice-mail"][data-state="sent"]`)),
		chromedp.WaitVisible(css(`[data-testid="notice-mail"][data-state="retrying"] [data-testid="notice-mail-error"]`)),
	)
	b.check("84-admin-notices")
	b.do("filter by the email's state",
		chromedp.SetValue(css(`[data-testid="admin-notice-state"]`), "retrying"),
		chromedp.Click(css(`[data-testid="admin-notice-search"]`)),
		// The page the filter answered: its select says so.
		chromedp.WaitReady(css(`[data-testid="admin-notice-state"] option[value="retrying"][selected]`)),
		chromedp.WaitVisible(css(`[data-testid="admin-notices-list"]`)),
	)
	if n := run(b, "count the rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="notice"]').length`)); n != 1 {
		t.Fatalf("%d notices with a retrying email, want 1", n)
	}
	b.check("85-admin-notices-retrying")
}

// waitMailTried waits until the outbox recorded a failed try (the SMTP
// server is down), so the admin's page has an error to show.
func waitMailTried(t *testing.T, app *testapp.App) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := app.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM mail_outbox WHERE state = 'retrying' AND last_error IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no failed try of an email recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
