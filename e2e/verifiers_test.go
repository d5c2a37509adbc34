package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// The verifiers exactly as webhooks.md prints them. The receiver scripts
// must contain them unchanged (the Node one with its two type annotations
// and return type dropped, which is all it takes to make it JavaScript).
const (
	specPython = `# Verify a ClipCabinet webhook signature in Python
import hmac
import hashlib
import os
SECRET = os.environ["CLIPCABINET_WEBHOOK_SECRET"]  # whsec_...
def verify_clipcabinet_webhook(raw_body: bytes, signature_header: str) -> bool:
    if not signature_header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(
        SECRET.encode("utf-8"),
        raw_body,
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(signature_header, expected)
`
	specNode = `// Verify a ClipCabinet webhook signature in Node.js
import crypto from "node:crypto";
const SECRET = process.env.CLIPCABINET_WEBHOOK_SECRET; // whsec_...
export function verifyClipCabinetWebhook(
  rawBody: string,
  signatureHeader: string,
): boolean {
  if (!signatureHeader.startsWith("sha256=")) return false;
  const expected = "sha256=" + crypto
    .createHmac("sha256", SECRET)
    .update(rawBody)
    .digest("hex");
  return crypto.timingSafeEqual(
    Buffer.from(signatureHeader),
    Buffer.from(expected),
  );
}
`
)

// specNodeJS is specNode as JavaScript: its two type annotations and its
// return type dropped, nothing else changed.
var specNodeJS = strings.NewReplacer("rawBody: string,", "rawBody,", "signatureHeader: string,", "signatureHeader,", "): boolean {", ") {").Replace(specNode)

// sampleUser is the userId of the spec's examples, so published examples
// and test events carry exactly the documented data.
const sampleUser = "user_2yPcKa4qR8w3vXk5"

// htmlTitle must reach receivers literally: no \u003c escapes, UTF-8 intact.
const htmlTitle = "<script>alert(1)</script> & café — ✓ 日本語 🎬 > done"

// TestSpecVerifiers: the documented Python and Node verifiers, run as real
// receivers, accept every delivery of every event type, published through
// the API or sent by the test button, and see exactly the documented
// headers and body bytes.
func TestSpecVerifiers(t *testing.T) {
	t.Parallel()
	python, node := mustLookPath(t, "python3"), mustLookPath(t, "node")
	for _, s := range []struct{ file, want string }{
		{"receiver.py", specPython},
		{"receiver.mjs", specNodeJS},
	} {
		src, err := os.ReadFile(filepath.Join("testdata", s.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte(s.want)) {
			t.Fatalf("testdata/%s does not contain the documented verifier unchanged:\n%s", s.file, s.want)
		}
	}

	app := testapp.Start(t, testapp.Options{})
	app.MustAPI(t, http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": "jamie@example.com", "id": sampleUser}, nil)

	type receiver struct {
		name string
		ep   testapp.Endpoint
		s    *script
		want map[string][]byte // delivery id -> exact body (nil: check the shape only)
	}
	var receivers []*receiver
	for _, r := range []struct{ name, program, file string }{
		{"python", python, "receiver.py"},
		{"node", node, "receiver.mjs"},
	} {
		// The secret comes with the endpoint and the script needs it to
		// start, so the endpoint gets the script's URL afterwards.
		ep := app.NewEndpoint(t, sampleUser, "http://127.0.0.1:9/placeholder")
		s := startScript(t, r.program, r.file, ep.Secret)
		app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"url": s.URL + "/hooks/clipcabinet"}, nil)
		receivers = append(receivers, &receiver{name: r.name, ep: ep, s: s, want: map[string][]byte{}})
	}
	byEndpoint := func(id string) *receiver {
		for _, r := range receivers {
			if r.ep.ID == id {
				return r
			}
		}
		t.Fatalf("delivery to unknown endpoint %s", id)
		return nil
	}

	// Each spec example through the publish API, and one with HTML and
	// non-ASCII text in the title. The body must be the example compacted.
	type publication struct {
		name string
		ex   example
		data json.RawMessage
		body []byte // the whole expected body, deliveryId as in the example
	}
	var pubs []publication
	for _, event := range webhook.EventTypes {
		ex := loadExample(t, event)
		pubs = append(pubs, publication{name: event, ex: ex, data: ex.Data, body: compact(t, ex.raw)})
	}
	completed := loadExample(t, webhook.EventRecordingCompleted)
	const specTitle = `"title": "Walking through the deploy pipeline"`
	if !bytes.Contains(completed.raw, []byte(specTitle)) {
		t.Fatal("the recording.completed example changed")
	}
	htmlData := bytes.Replace(completed.Data, []byte(specTitle), []byte(`"title": "`+htmlTitle+`"`), 1)
	htmlRaw := bytes.Replace(completed.raw, []byte(specTitle), []byte(`"title": "`+htmlTitle+`"`), 1)
	pubs = append(pubs, publication{name: "html and unicode", ex: completed, data: htmlData, body: compact(t, htmlRaw)})

	for _, p := range pubs {
		in := map[string]any{"event": p.ex.Event, "data": p.data, "occurredAt": p.ex.OccurredAt}
		if p.ex.Event == webhook.EventCommentAdded {
			in["userId"] = sampleUser
		}
		var out struct {
			Deliveries []struct{ ID, EndpointID string }
		}
		app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events", in, &out)
		if len(out.Deliveries) != len(receivers) {
			t.Fatalf("%s: %d deliveries, want one per receiver", p.name, len(out.Deliveries))
		}
		for _, d := range out.Deliveries {
			want := bytes.Replace(p.body, []byte(`"deliveryId":"`+p.ex.DeliveryID+`"`), []byte(`"deliveryId":"`+d.ID+`"`), 1)
			byEndpoint(d.EndpointID).want[d.ID] = want
		}
	}
	// The test button on each endpoint, for each event type: the example's
	// data, sent now.
	testEvents := map[string]string{} // delivery id -> event
	for _, r := range receivers {
		for _, event := range webhook.EventTypes {
			var out struct{ DeliveryID string }
			app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+r.ep.ID+"/test", map[string]string{"event": event}, &out)
			r.want[out.DeliveryID] = nil
			testEvents[out.DeliveryID] = event
		}
	}

	for _, r := range receivers {
		t.Run(r.name, func(t *testing.T) {
			recs := r.s.waitRecords(t, len(r.want), 15*time.Second)
			seen := map[string]bool{}
			for _, rec := range recs {
				id := checkRecord(t, rec)
				if id == "" {
					continue
				}
				want, ok := r.want[id]
				if !ok || seen[id] {
					t.Errorf("unexpected or repeated delivery %s (known %v, seen %v)", id, ok, seen[id])
					continue
				}
				seen[id] = true
				switch {
				case want != nil && !bytes.Equal(rec.Body, want):
					t.Errorf("delivery %s body\n got %s\nwant %s", id, rec.Body, want)
				case want == nil:
					event := testEvents[id]
					re := regexp.MustCompile(`^\{"event":"` + regexp.QuoteMeta(event) + `","deliveryId":"` + id +
						`","occurredAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","data":` +
						regexp.QuoteMeta(string(compact(t, loadExample(t, event).Data))) + `\}$`)
					if !re.Match(rec.Body) {
						t.Errorf("test event %s body %s, want the %s example's data", id, rec.Body, event)
					}
				}
			}
			if len(seen) != len(r.want) {
				t.Errorf("receiver accepted %d deliveries, want %d", len(seen), len(r.want))
			}
			for id := range r.want {
				d := app.WaitDelivery(t, id, 5*time.Second, func(d testapp.Delivery) bool { return d.Status != "pending" })
				if d.Status != "succeeded" || d.AttemptCount != 1 {
					t.Errorf("delivery %s: %s after %d attempts, want succeeded at once", id, d.Status, d.AttemptCount)
				}
			}

			// The verifiers do verify: a wrong key and a header that is not
			// exactly one lowercase signature are refused.
			body := r.want[findHTML(r.want)]
			for _, sig := range []string{
				webhook.Sign("whsec_not-the-secret", body),
				strings.ToUpper(webhook.Sign(r.ep.Secret, body)),
				webhook.Sign(r.ep.Secret, body) + "," + webhook.Sign(r.ep.Secret, body),
				strings.TrimPrefix(webhook.Sign(r.ep.Secret, body), "sha256="),
			} {
				req, _ := http.NewRequest("POST", r.s.URL+"/hooks/clipcabinet", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhook.HeaderSignature, sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("signature %q: %d, want 401", sig, resp.StatusCode)
				}
			}
		})
	}
}

// checkRecord checks what every delivery must look like on the wire and
// returns its delivery id ("" after a failure).
func checkRecord(t *testing.T, rec record) string {
	t.Helper()
	if !rec.Verified || rec.Status != http.StatusOK {
		t.Errorf("receiver refused a delivery (verified %v, status %d): %s", rec.Verified, rec.Status, rec.Body)
		return ""
	}
	var names []string
	for _, h := range rec.Headers {
		names = append(names, strings.ToLower(h[0]))
	}
	slices.Sort(names)
	names = slices.DeleteFunc(names, func(n string) bool { return n == "connection" })
	want := []string{"content-length", "content-type", "host", "user-agent",
		"x-clipcabinet-delivery", "x-clipcabinet-event", "x-clipcabinet-signature"}
	if !slices.Equal(names, want) {
		t.Errorf("headers %v, want exactly %v (and maybe Connection)", rec.Headers, want)
	}
	one := func(name string) string {
		v := rec.header(name)
		if len(v) != 1 {
			t.Errorf("header %s: %q, want one value", name, v)
			return ""
		}
		return v[0]
	}
	if v := one("Content-Type"); v != "application/json" {
		t.Errorf("Content-Type %q", v)
	}
	if v := one("User-Agent"); v != "ClipCabinet-Webhooks/1.0" {
		t.Errorf("User-Agent %q", v)
	}
	if v := one("Content-Length"); v != strconv.Itoa(len(rec.Body)) {
		t.Errorf("Content-Length %s for %d bytes", v, len(rec.Body))
	}
	if v := one("X-ClipCabinet-Signature"); !regexp.MustCompile(`^sha256=[0-9a-f]{64}$`).MatchString(v) {
		t.Errorf("X-ClipCabinet-Signature %q", v)
	}
	id := one("X-ClipCabinet-Delivery")
	if !regexp.MustCompile(`^del_[0-9A-Za-z]{16}$`).MatchString(id) {
		t.Errorf("X-ClipCabinet-Delivery %q", id)
		return ""
	}
	var body struct{ Event, DeliveryID string }
	if err := json.Unmarshal(rec.Body, &body); err != nil {
		t.Errorf("body %s: %v", rec.Body, err)
		return ""
	}
	if !slices.Equal(rec.Keys, []string{"event", "deliveryId", "occurredAt", "data"}) {
		t.Errorf("body keys %v, want event, deliveryId, occurredAt, data in that order", rec.Keys)
	}
	if body.DeliveryID != id {
		t.Errorf("deliveryId %s in the body, %s in the header", body.DeliveryID, id)
	}
	if ev := one("X-ClipCabinet-Event"); ev != body.Event || !webhook.KnownEvent(ev) {
		t.Errorf("X-ClipCabinet-Event %q, body event %q", ev, body.Event)
	}
	if bytes.Contains(rec.Body, []byte(`\u003c`)) || bytes.Contains(rec.Body, []byte(`\u0026`)) {
		t.Errorf("body has HTML-escaped characters: %s", rec.Body)
	}
	return id
}

// findHTML returns the id of the delivery whose body holds htmlTitle.
func findHTML(want map[string][]byte) string {
	for id, b := range want {
		if bytes.Contains(b, []byte(htmlTitle)) {
			return id
		}
	}
	panic(fmt.Sprintf("no delivery with the HTML title among %d", len(want)))
}
