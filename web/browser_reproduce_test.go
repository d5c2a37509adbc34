package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// journeyReproduce is issue 14's "reproduce it yourself" and "export" as a
// person does them in the browser: two test events reach a receiver that
// verifies signatures; "Copy as curl" on one copies a command that the
// test runs with a shell, and the same receiver accepts it (the stored
// bytes, signed with the current secret); the endpoint's signature checker
// names each case pasted into it (a match, the JSON re-serialised, the
// secret without whsec_, the secret base64-decoded, another secret, and
// after a rotation the secret it replaced); the
// drawer's CSV export, downloaded by the page, has one row per delivery.
func journeyReproduce(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rcv := &verifyingReceiver{}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)

	b.signUp(app, "journey-reproduce@example.com")
	b.createEndpoint(srv.URL+"/hook", "Reproduce")
	secret := b.revealSecret()
	rcv.mu.Lock()
	rcv.secret = secret
	rcv.mu.Unlock()
	b.sendTestEvent(1)
	b.sendTestEvent(2)
	if n := rcv.count(); n != 2 {
		t.Fatalf("the receiver verified %d deliveries, want 2", n)
	}

	// Copy as curl, from the newest delivery's page, run by a shell.
	b.grantClipboard(app)
	b.do("open the deliveries", htmxIdle(), chromedp.Click(css(`[data-testid="open-deliveries"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-link"]`)))
	b.do("open the newest delivery", htmxIdle(), clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`#drawer > [data-testid="drawer"] [data-testid="copy-curl"]`)))
	b.do("copy as curl", chromedp.Click(css(`[data-testid="copy-curl"]`)))
	cmd := run(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(cmd, "curl ") || strings.Contains(cmd, secret) {
		t.Fatalf("copied %q: want a curl command without the secret", cmd)
	}
	b.check("56-delivery-copy-as-curl")
	before := rcv.count()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sh", "-c", cmd+" --silent --show-error --fail").CombinedOutput(); err != nil {
		t.Fatalf("the copied command: %v\n%s", err, out)
	}
	if rcv.count() != before+1 {
		t.Fatalf("the receiver accepted %d of the copied command's requests, want 1", rcv.count()-before)
	}
	sent := rcv.last()

	// The signature checker on the endpoint page, one case after another.
	// The body re-indented, keys in their order, as a JSON library that
	// pretty-prints would hand it to the HMAC.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, sent, "", "  "); err != nil {
		t.Fatal(err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret %q is not whsec_ and base64: %v", secret, err)
	}
	b.closeDrawer()
	for _, c := range []struct{ shot, body, signature, want string }{
		{"57-sigcheck-match", string(sent), webhook.Sign(secret, sent), "match"},
		{"", strings.TrimSpace(pretty.String()), webhook.Sign(secret, sent), "body-altered"},
		{"58-sigcheck-no-prefix", string(sent), webhook.Sign(strings.TrimPrefix(secret, "whsec_"), sent), "no-prefix"},
		{"", string(sent), webhook.Sign(string(key), sent), "base64-decoded"},
		{"", string(sent), webhook.Sign("whsec_c29tZW9uZSBlbHNlJ3Mgc2VjcmV0", sent), "no-match"},
	} {
		b.do("check a signature: "+c.want,
			htmxIdle(),
			chromedp.SetValue(css(`[data-testid="sigcheck-body"]`), c.body),
			chromedp.SetValue(css(`[data-testid="sigcheck-signature"]`), c.signature),
			chromedp.Click(css(`[data-testid="sigcheck-submit"]`)),
			chromedp.WaitVisible(css(`[data-testid="sigcheck-result"][data-case="`+c.want+`"]`)),
		)
		if c.shot != "" {
			b.check(c.shot)
		}
	}
	// The fourth mistake: a server still on the secret a rotation replaced.
	epID := run(b, "endpoint id", chromedp.Evaluate[string](`location.pathname.split('/')[2]`))
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+epID+"/secret/rotate", map[string]any{"activateInSeconds": 0}, nil)
	b.do("check a signature made with the replaced secret",
		htmxIdle(),
		chromedp.SetValue(css(`[data-testid="sigcheck-body"]`), string(sent)),
		chromedp.SetValue(css(`[data-testid="sigcheck-signature"]`), webhook.Sign(secret, sent)),
		chromedp.Click(css(`[data-testid="sigcheck-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="sigcheck-result"][data-case="previous"]`)),
	)
	b.check("59-sigcheck-previous-secret")

	// The drawer's CSV export, fetched by the page with its session.
	b.do("open the deliveries again", htmxIdle(), chromedp.Click(css(`[data-testid="open-deliveries"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer-export-csv"]`)))
	got := run(b, "download the CSV", chromedp.Evaluate[string](
		`fetch(document.querySelector('[data-testid="drawer-export-csv"]').href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`,
		chromedp.EvalAwaitPromise))
	rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV export does not parse: %v\n%s", err, got)
	}
	if len(rows) != 1+2 {
		t.Fatalf("the CSV has %d lines, want a header and one row per delivery (2):\n%s", len(rows), got)
	}
	if rows[0][0] != "id" || !strings.HasPrefix(rows[1][0], "del_") || rows[1][0] == rows[2][0] {
		t.Fatalf("CSV rows %q", rows)
	}
}

// count is how many requests the receiver accepted.
func (v *verifyingReceiver) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.bodies)
}
