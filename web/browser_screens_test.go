package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// journeyScreens visits the screens the other journeys pass by: sign-up
// and login with their errors, editing an endpoint (and its inline error),
// disabling and enabling, Standard Webhooks on, and deleting through the
// dialog and through the page that asks when JavaScript is off. Each is
// checked with axe-core at both widths.
func journeyScreens(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	const email = "journey-screens@example.com"

	b.do("sign-up page", chromedp.Navigate(app.URL+"/signup"), chromedp.WaitVisible(css(`[data-testid="signup-form"]`)))
	b.check("30-signup")
	b.do("sign up with nothing filled in",
		chromedp.Click(css(`[data-testid="signup-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="signup-email-error"]`)),
		chromedp.WaitVisible(css(`[data-testid="signup-password-error"]`)),
	)
	b.check("31-signup-errors")
	b.signUp(app, email)

	b.do("log out", chromedp.Click(css(`[data-testid="logout"]`)), chromedp.WaitVisible(css(`[data-testid="login-email"]`)))
	b.do("log in with a wrong password",
		chromedp.SendKeys(css(`[data-testid="login-email"]`), email),
		chromedp.SendKeys(css(`[data-testid="login-password"]`), "not the password"),
		chromedp.Click(css(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="login-error"]`)),
	)
	b.check("32-login-error")
	b.logIn(app, email)

	b.createEndpoint("http://127.0.0.1:9/hook", "Staging")
	b.do("edit the endpoint",
		chromedp.Click(css(`[data-testid="edit-endpoint"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-form"]`)),
	)
	b.check("33-endpoint-edit")
	b.do("save a URL that is not one",
		chromedp.SetValue(css(`[data-testid="endpoint-url"]`), "not a url"),
		chromedp.Click(css(`[data-testid="endpoint-save"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-url-error"]`)),
	)
	b.check("34-endpoint-edit-error")
	b.do("save a good one",
		chromedp.SetValue(css(`[data-testid="endpoint-url"]`), "http://127.0.0.1:9/hooks/staging"),
		chromedp.Click(css(`[data-testid="endpoint-save"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-summary"]`)),
	)
	if got := b.text(`h1[data-testid="endpoint-url"]`); got != "http://127.0.0.1:9/hooks/staging" {
		t.Fatalf("after edit, URL %q", got)
	}

	b.askConfirm("disable", "disable-endpoint")
	b.check("35-disable-confirm")
	b.do("disable",
		chromedp.Click(css(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(css(`[data-testid="disabled-banner"][data-auto="false"]`)),
	)
	b.check("36-endpoint-disabled")
	b.do("enable",
		htmxIdle(),
		chromedp.Click(css(`[data-testid="enable-endpoint"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="disabled-banner"]`)),
	)

	b.do("Standard Webhooks on",
		htmxIdle(),
		chromedp.Click(css(`[data-testid="standard-toggle"]`)),
		chromedp.WaitVisible(css(`[data-testid="standard-snippet"]`)),
	)
	b.check("37-standard-webhooks-on")

	b.askConfirm("delete", "delete-endpoint")
	b.check("38-delete-confirm")
	b.do("cancel the delete",
		chromedp.Click(css(`[data-testid="confirm-cancel"]`)),
		chromedp.WaitNotVisible(css(`[data-testid="confirm-dialog"]`)),
	)
	// form.submit() skips the submit event, as a browser without
	// JavaScript does: the server asks on a page of its own.
	b.do("delete without the dialog",
		eval(`document.querySelector('form[action$="/delete"]').submit()`),
		chromedp.WaitVisible(css(`[data-testid="confirm-page"]`)),
	)
	b.check("39-delete-confirm-page")
	b.do("confirm on the page",
		chromedp.Click(css(`[data-testid="confirm-page"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="flash"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoints-empty"]`)),
	)
	if got := b.text(`[data-testid="flash"]`); !strings.Contains(got, "deleted") {
		t.Fatalf("flash %q", got)
	}
	b.check("39b-endpoint-deleted")

	journeyFind(t, b) // the search filters (browser_find_test.go), on an app of their own
}

// askConfirm clicks the button with the test id and waits for the page's
// confirmation dialog.
func (b *tab) askConfirm(what, testid string) {
	b.t.Helper()
	b.do(what+" asks first",
		chromedp.Click(css(`[data-testid="`+testid+`"]`)),
		chromedp.WaitVisible(css(`[data-testid="confirm-dialog"]`)),
	)
}
