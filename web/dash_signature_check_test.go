package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestSignatureCheck: the endpoint page's checker names each case of a
// pasted body and signature, inline, and never shows a secret.
func TestSignatureCheck(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("sigcheck@example.com")
	ep := c.createEndpoint("http://127.0.0.1:9/hook", "")
	var sec struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ep+"/secret/reveal", nil, &sec)
	active := sec.Secret
	rotating := c.createEndpoint("http://127.0.0.1:9/other", "")
	var rot struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+rotating+"/secret/rotate", map[string]any{"activateInSeconds": 3600}, &rot)
	// One rotated and switched: its old secret is the previous one; and one
	// rotated at once (activateInSeconds 0).
	switched := c.createEndpoint("http://127.0.0.1:9/switched", "")
	var old, sw struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+switched+"/secret/reveal", nil, &old)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+switched+"/secret/rotate", map[string]any{"activateInSeconds": 3600}, &sw)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+switched+"/secret/activate", nil, nil)
	atOnce := c.createEndpoint("http://127.0.0.1:9/at-once", "")
	var old2 struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+atOnce+"/secret/reveal", nil, &old2)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+atOnce+"/secret/rotate", map[string]any{"activateInSeconds": 0}, nil)

	const body = `{"event":"comment.added","deliveryId":"del_x","data":{"body":"it's fine"}}`
	const pretty = "{\n  \"event\": \"comment.added\",\n  \"deliveryId\": \"del_x\",\n  \"data\": {\n    \"body\": \"it's fine\"\n  }\n}"
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(active, "whsec_"))
	for _, tt := range []struct {
		name, endpoint, body, signature string
		want                            string
		note                            bool
	}{
		{name: "matches", body: body, signature: webhook.Sign(active, []byte(body)), want: "match"},
		{name: "matches, pasted with CRLF by the browser", body: strings.ReplaceAll(pretty, "\n", "\r\n"), signature: webhook.Sign(active, []byte(pretty)), want: "match"},
		{name: "matches, capital hex", body: body, signature: strings.ToUpper(webhook.Sign(active, []byte(body))), want: "match", note: true},
		{name: "pending secret", endpoint: rotating, body: body, signature: webhook.Sign(rot.Secret, []byte(body)), want: "pending"},
		{name: "JSON re-serialised", body: body, signature: webhook.Sign(active, []byte(pretty)), want: "body-altered"},
		{name: "pretty pasted, compact signed", body: pretty, signature: webhook.Sign(active, []byte(body)), want: "body-altered"},
		{name: "line endings changed", body: pretty, signature: webhook.Sign(active, []byte(strings.ReplaceAll(pretty, "\n", "\r\n"))), want: "body-altered"},
		{name: "secret without whsec_", body: body, signature: webhook.Sign(strings.TrimPrefix(active, "whsec_"), []byte(body)), want: "no-prefix"},
		{name: "secret base64-decoded", body: body, signature: webhook.Sign(string(key), []byte(body)), want: "base64-decoded"},
		{name: "previous secret, after Switch now", endpoint: switched, body: body, signature: webhook.Sign(old.Secret, []byte(body)), want: "previous"},
		{name: "new secret, after Switch now", endpoint: switched, body: body, signature: webhook.Sign(sw.Secret, []byte(body)), want: "match"},
		{name: "previous secret, rotated at once", endpoint: atOnce, body: body, signature: webhook.Sign(old2.Secret, []byte(body)), want: "previous"},
		{name: "previous secret without whsec_", endpoint: switched, body: body, signature: webhook.Sign(strings.TrimPrefix(old.Secret, "whsec_"), []byte(body)), want: "no-prefix"},
		{name: "another secret", body: body, signature: webhook.Sign("whsec_not-this-one", []byte(body)), want: "no-match"},
		{name: "no signature", body: body, want: "invalid"},
		{name: "no body", signature: webhook.Sign(active, []byte(body)), want: "invalid"},
		{name: "not a signature", body: body, signature: "sha256=zz", want: "invalid"},
		{name: "a Standard Webhooks signature", body: body, signature: "v1,abc=", want: "invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := ep
			if tt.endpoint != "" {
				id = tt.endpoint
			}
			p := c.post("/endpoints/"+id+"/signature-check", url.Values{"body": {tt.body}, "signature": {tt.signature}}, htmx("sigcheck")).status(http.StatusOK)
			res := p.one(`[data-testid="sigcheck"] [data-testid="sigcheck-result"]`)
			if got := attr(res, "data-case"); got != tt.want {
				t.Errorf("case %q (%s), want %q", got, textOf(res), tt.want)
			}
			if got := p.has(`[data-testid="sigcheck-note"]`); got != tt.note {
				t.Errorf("note shown: %v, want %v", got, tt.note)
			}
			if strings.Contains(p.Body, active) || strings.Contains(p.Body, strings.TrimPrefix(rot.Secret, "whsec_")) ||
				strings.Contains(p.Body, strings.TrimPrefix(old.Secret, "whsec_")) {
				t.Error("the answer shows a secret")
			}
		})
	}

	t.Run("without htmx, the endpoint page with the answer", func(t *testing.T) {
		p := c.post("/endpoints/"+ep+"/signature-check", url.Values{"body": {body}, "signature": {"sha256=" + strings.Repeat("0", 64)}}).status(http.StatusOK)
		if !p.has(`[data-testid="endpoint-summary"]`) || attr(p.one(`[data-testid="sigcheck-result"]`), "data-case") != "no-match" {
			t.Errorf("not the endpoint page with the answer:\n%.2000s", p.Body)
		}
		if got := attr(p.one(`[data-testid="sigcheck-body"]`), "id"); got == "" || textOf(p.one(`[data-testid="sigcheck-body"]`)) == "" {
			t.Error("the pasted body is not kept in the form")
		}
	})
	t.Run("another user's endpoint is 404", func(t *testing.T) {
		other := newClient(t, app)
		other.signUp("sigcheck-other@example.com")
		other.post("/endpoints/"+ep+"/signature-check", url.Values{"body": {body}, "signature": {webhook.Sign(active, []byte(body))}}).status(http.StatusNotFound)
	})
}
