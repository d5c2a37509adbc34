package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// verifyingReceiver accepts only requests that verify with the secret it
// is given, as the documented verifiers do, and Standard Webhooks' too when
// those headers come; it keeps the last accepted body.
type verifyingReceiver struct {
	mu     sync.Mutex
	secret string
	bodies [][]byte
}

func (v *verifyingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	v.mu.Lock()
	defer v.mu.Unlock()
	ok := webhook.Verify(v.secret, body, r.Header.Get(webhook.HeaderSignature)) &&
		r.Header.Get("Content-Type") == webhook.ContentType &&
		r.Header.Get(webhook.HeaderDelivery) != ""
	if sig := r.Header.Get(webhook.HeaderStandardSignature); ok && sig != "" {
		key, _ := webhook.StandardKey(v.secret)
		ts, err := strconv.ParseInt(r.Header.Get(webhook.HeaderStandardTimestamp), 10, 64)
		ok = err == nil && time.Since(time.Unix(ts, 0)).Abs() < 5*time.Minute &&
			webhook.VerifyStandard(key, r.Header.Get(webhook.HeaderStandardID), ts, body, sig)
	}
	if !ok {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	v.bodies = append(v.bodies, body)
	io.WriteString(w, "verified")
}

func (v *verifyingReceiver) last() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.bodies) == 0 {
		return nil
	}
	return v.bodies[len(v.bodies)-1]
}

// TestDeliveryCopyAsCurl: the command the delivery page shows its owner,
// run by a shell, re-sends the stored bytes to a receiver that verifies
// the signature (and the Standard Webhooks one when the endpoint has it on),
// even with single quotes, spaces and newlines in the payload; an admin
// looking at the same delivery gets no command.
func TestDeliveryCopyAsCurl(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{})
	for _, tt := range []struct {
		name     string
		standard bool
	}{
		{name: "clipcabinet headers"},
		{name: "standard webhooks", standard: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &verifyingReceiver{}
			srv := httptest.NewServer(rcv)
			t.Cleanup(srv.Close)
			c := newClient(t, app)
			email := strings.ReplaceAll(tt.name, " ", "-") + "@curl.example.com"
			uid := c.signUp(email)
			ep := c.createEndpoint(srv.URL+"/hook?a=1&b='x'", "")
			if tt.standard {
				apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep, map[string]any{"standardWebhooks": true}, nil)
			}
			var sec struct{ Secret string }
			apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ep+"/secret/reveal", nil, &sec)
			rcv.mu.Lock()
			rcv.secret = sec.Secret
			rcv.mu.Unlock()

			var data map[string]any
			if err := json.Unmarshal(webhook.SampleData(webhook.EventCommentAdded, ""), &data); err != nil {
				t.Fatal(err)
			}
			data["body"] = "it's a 'quote', $HOME `x` \\n and a\nnewline  with  spaces"
			var pub struct {
				Deliveries []struct{ ID string } `json:"deliveries"`
			}
			apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{
				"event": webhook.EventCommentAdded, "userId": uid, "data": data,
			}, &pub)
			id := pub.Deliveries[0].ID
			d := app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
			if d.Payload == nil {
				t.Fatal("no payload")
			}

			page := c.get("/endpoints/" + ep + "/deliveries/" + id).status(http.StatusOK)
			cmd := rawText(page.one(`[data-testid="curl-command"]`))
			if strings.Contains(cmd, sec.Secret) {
				t.Fatal("the command carries the secret")
			}
			if got := strings.Contains(cmd, webhook.HeaderStandardSignature); got != tt.standard {
				t.Errorf("command has %s: %v, want %v", webhook.HeaderStandardSignature, got, tt.standard)
			}
			out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
			if err != nil {
				t.Fatalf("sh -c: %v: %s\n%s", err, out, cmd)
			}
			if string(out) != "verified" {
				t.Fatalf("the receiver answered %q to\n%s", out, cmd)
			}
			if got := string(rcv.last()); got != *d.Payload {
				t.Errorf("curl sent\n%s\nthe stored payload is\n%s", got, *d.Payload)
			}

			admin := newClient(t, app)
			newAdmin(t, app, "admin-"+email)
			admin.logIn("admin-"+email, testPassword)
			ap := admin.get("/admin/deliveries/" + id).status(http.StatusOK)
			if ap.has(`[data-testid="curl-command"]`) || !ap.has(`[data-testid="curl-unavailable"]`) {
				t.Error("an admin viewing another user's delivery gets the command")
			}
		})
	}
}
