package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
)

// journeyClosedPort: a delivery to a closed port says so in words in the
// drawer's row, and its detail leads with "Connection refused by" the
// address and the next attempt's exact time.
func journeyClosedPort(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	addr := testnet.ClosedAddr(t)

	b.signUp(app, "journey-closed-port@example.com")
	b.createEndpoint("http://"+addr+"/hook", "")
	b.do("send a test event to a closed port",
		chromedp.SetValue(css(`[data-testid="test-event-type"]`), "comment.added"),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="retrying"] [data-testid="delivery-code-outcome"]`)),
	)
	if got := b.text(`[data-testid="delivery-row"] [data-testid="delivery-code-outcome"]`); got != "Connection error" {
		t.Fatalf("row says %q", got)
	}
	b.do("open it",
		htmxIdle(),
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`#drawer > [data-testid="drawer"] [data-testid="answer-reason"]`)),
	)
	if got := b.text(`[data-testid="answer-reason"]`); got != "Connection refused by "+addr {
		t.Fatalf("reason %q", got)
	}
	if got := b.text(`[data-testid="answer-next"]`); !strings.HasPrefix(got, "Next: Attempt 2 of 2 at ") {
		t.Fatalf("next %q", got)
	}
	b.check("16-delivery-connection-refused")
}
