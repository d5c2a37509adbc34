package web_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// apiReveal is the reveal answer of this release.
type apiReveal struct {
	Secret        string  `json:"secret"`
	PendingSecret *string `json:"pendingSecret"`
	ActivatesAt   *string `json:"activatesAt"`
}

type apiRotate struct {
	Secret      string `json:"secret"`
	ActivatesAt string `json:"activatesAt"`
}

// TestAPISecretRotationWindow drives the changeover API: rotate with
// activateInSeconds, reveal both, a second rotate replacing the pending
// secret, activate, cancel; the endpoint's secretActivatesAt, and the audit.
func TestAPISecretRotationWindow(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": apiAllEvents})
	base := "/api/v1/endpoints/" + ep.ID
	reveal := func(t *testing.T) apiReveal {
		t.Helper()
		var out apiReveal
		res := apiMust(t, app, http.StatusOK, "POST", base+"/secret/reveal", nil, &out)
		if keys := apiKeys(t, res.Body); !slices.Equal(keys, []string{"activatesAt", "pendingSecret", "secret"}) {
			t.Errorf("reveal keys %v", keys)
		}
		return out
	}
	get := func(t *testing.T) apiEndpoint {
		t.Helper()
		var out apiEndpoint
		apiMust(t, app, http.StatusOK, "GET", base, nil, &out)
		return out
	}

	var rot apiRotate
	res := apiMust(t, app, http.StatusOK, "POST", base+"/secret/rotate", map[string]any{"activateInSeconds": 3600}, &rot)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("rotate answer may be cached")
	}
	at, err := time.Parse(time.RFC3339Nano, rot.ActivatesAt)
	if err != nil || !apiTimeRE.MatchString(rot.ActivatesAt) || time.Until(at) < 59*time.Minute || time.Until(at) > time.Hour {
		t.Errorf("activatesAt %s, want an hour from now", rot.ActivatesAt)
	}
	if !apiSecretRE.MatchString(rot.Secret) || rot.Secret == ep.Secret {
		t.Fatalf("rotate secret %q", rot.Secret)
	}
	if r := reveal(t); r.Secret != ep.Secret || r.PendingSecret == nil || *r.PendingSecret != rot.Secret || r.ActivatesAt == nil || *r.ActivatesAt != rot.ActivatesAt {
		t.Fatalf("reveal during the window: %+v, want active %s, pending %s at %s", r, ep.Secret, rot.Secret, rot.ActivatesAt)
	}
	if e := get(t); e.SecretActivatesAt == nil || *e.SecretActivatesAt != rot.ActivatesAt {
		t.Fatalf("endpoint secretActivatesAt %v, want %s", e.SecretActivatesAt, rot.ActivatesAt)
	}

	// A second rotation replaces the pending secret; the active one stays.
	var rot2 apiRotate
	apiMust(t, app, http.StatusOK, "POST", base+"/secret/rotate", map[string]any{"activateInSeconds": 604800}, &rot2)
	if r := reveal(t); r.Secret != ep.Secret || *r.PendingSecret != rot2.Secret {
		t.Fatalf("after a second rotate: %+v", r)
	}

	// Switch now.
	var activated apiEndpoint
	res = apiMust(t, app, http.StatusOK, "POST", base+"/secret/activate", nil, &activated)
	if keys := apiKeys(t, res.Body); !slices.Equal(keys, apiEndpointKeys) || activated.SecretActivatesAt != nil || activated.ID != ep.ID {
		t.Fatalf("activate answer %s", res.Body)
	}
	if r := reveal(t); r.Secret != rot2.Secret || r.PendingSecret != nil || r.ActivatesAt != nil {
		t.Fatalf("after activate: %+v", r)
	}
	apiWantError(t, apiCall(t, app, "POST", base+"/secret/activate", nil, nil), http.StatusConflict, "conflict")
	apiWantError(t, apiCall(t, app, "DELETE", base+"/secret/pending", nil, nil), http.StatusNotFound, "not_found")

	// Cancel.
	apiMust(t, app, http.StatusOK, "POST", base+"/secret/rotate", `{"activateInSeconds": 86400}`, nil)
	if res := apiCall(t, app, "DELETE", base+"/secret/pending", nil, nil); res.Status != http.StatusNoContent || len(res.Body) != 0 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	if r := reveal(t); r.Secret != rot2.Secret || r.PendingSecret != nil {
		t.Fatalf("after cancel: %+v", r)
	}
	if e := get(t); e.SecretActivatesAt != nil {
		t.Fatal("secretActivatesAt after cancel")
	}

	// 0 and no body: at once, as before.
	var now apiRotate
	apiMust(t, app, http.StatusOK, "POST", base+"/secret/rotate", map[string]any{"activateInSeconds": 0}, &now)
	if r := reveal(t); r.Secret != now.Secret || r.PendingSecret != nil {
		t.Fatalf("rotate with 0: %+v", r)
	}

	rows := apiAudit(t, app, ep.ID)
	want := []string{"endpoint.created", "secret.rotated", "secret.revealed", "secret.rotated", "secret.revealed",
		"secret.activated", "secret.revealed", "secret.rotated", "secret.pending_dropped", "secret.revealed",
		"secret.rotated", "secret.revealed"}
	if got := apiActions(rows); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}

	t.Run("unknown endpoint", func(t *testing.T) {
		for _, c := range []struct{ method, action string }{{"POST", "activate"}, {"DELETE", "pending"}, {"POST", "rotate"}} {
			res := apiCall(t, app, c.method, "/api/v1/endpoints/ep_0000000000000000/secret/"+c.action, nil, nil)
			apiWantError(t, res, http.StatusNotFound, "not_found")
		}
	})
}

// TestAPISecretRotateValidation: activateInSeconds is a whole number of
// seconds from 0 to 604800; anything else is a 422 (400 for bad JSON),
// never a 500, and changes nothing.
func TestAPISecretRotateValidation(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": apiAllEvents})
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		fields []string
	}{
		{name: "negative", body: `{"activateInSeconds": -1}`, status: 422, code: "validation_failed", fields: []string{"activateInSeconds"}},
		{name: "over 7 days", body: `{"activateInSeconds": 604801}`, status: 422, code: "validation_failed", fields: []string{"activateInSeconds"}},
		{name: "fraction", body: `{"activateInSeconds": 1.5}`, status: 422, code: "validation_failed", fields: []string{"activateInSeconds"}},
		{name: "huge", body: `{"activateInSeconds": 1e300}`, status: 422, code: "validation_failed", fields: []string{"activateInSeconds"}},
		{name: "string", body: `{"activateInSeconds": "60"}`, status: 422, code: "validation_failed", fields: []string{"activateInSeconds"}},
		{name: "unknown field", body: `{"activateInSeconds": 60, "at": "now"}`, status: 422, code: "validation_failed", fields: []string{"at"}},
		{name: "case-folded field", body: `{"ActivateInSeconds": 60}`, status: 422, code: "validation_failed", fields: []string{"ActivateInSeconds"}},
		{name: "array", body: `[]`, status: 400, code: "bad_request"},
		{name: "malformed", body: `{"activateInSeconds":`, status: 400, code: "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := apiCall(t, app, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate", tt.body, nil)
			apiWantError(t, res, tt.status, tt.code, tt.fields...)
		})
	}
	var r apiReveal
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/reveal", nil, &r)
	if r.Secret != ep.Secret || r.PendingSecret != nil {
		t.Fatalf("a refused rotate changed the secrets: %+v", r)
	}
	for _, body := range []string{`{"activateInSeconds": 604800}`, `{"activateInSeconds": null}`, `{}`, ``} {
		apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate", body, nil)
	}
}

// TestAPIStandardWebhooksFlag: standardWebhooks on create and PATCH; an
// endpoint whose secret is of the older form gets 422 secret_not_standard
// until it rotates.
func TestAPIStandardWebhooksFlag(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	on := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/on", "events": apiAllEvents, "standardWebhooks": true})
	if !on.StandardWebhooks {
		t.Fatal("created with standardWebhooks true, answer says false")
	}
	off := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/off", "events": apiAllEvents})
	if off.StandardWebhooks {
		t.Fatal("standardWebhooks must default to false")
	}
	var got apiEndpoint
	apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+off.ID, map[string]any{"standardWebhooks": true}, &got)
	if !got.StandardWebhooks {
		t.Fatal("PATCH standardWebhooks true did not stick")
	}
	apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+off.ID, map[string]any{"description": "x"}, &got)
	if !got.StandardWebhooks {
		t.Fatal("another PATCH turned standardWebhooks off")
	}
	apiWantError(t, apiCall(t, app, "PATCH", "/api/v1/endpoints/"+off.ID, `{"standardWebhooks":"yes"}`, nil), 422, "validation_failed", "standardWebhooks")
	apiWantError(t, apiCall(t, app, "POST", "/api/v1/users/"+user.ID+"/endpoints", `{"url":"https://93.184.215.14/x","events":["comment.added"],"standardWebhooks":1}`, nil), 422, "validation_failed", "standardWebhooks")

	old := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/old", "events": apiAllEvents})
	apiSetOldSecret(t, app, old.ID)
	res := apiCall(t, app, "PATCH", "/api/v1/endpoints/"+old.ID, map[string]any{"standardWebhooks": true}, nil)
	apiWantError(t, res, http.StatusUnprocessableEntity, "secret_not_standard", "standardWebhooks")
	// Off stays allowed, and a rotation lets it on.
	apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+old.ID, map[string]any{"standardWebhooks": false}, nil)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+old.ID+"/secret/rotate", nil, nil)
	apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+old.ID, map[string]any{"standardWebhooks": true}, &got)
	if !got.StandardWebhooks {
		t.Fatal("after rotating, standardWebhooks did not turn on")
	}
}

// apiOldSecret is a secret of the form made before this release.
const apiOldSecret = "whsec_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"

// apiSetOldSecret stores apiOldSecret as the endpoint's active secret,
// sealed as the store seals (AES-256-GCM, nonce || ciphertext, the
// endpoint id as associated data) under the test app's key.
func apiSetOldSecret(t *testing.T, app *testapp.App, id string) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, []byte(apiOldSecret), []byte(id))
	if _, err := app.Pool.Exec(t.Context(), "UPDATE endpoints SET secret_encrypted = $1 WHERE id = $2", sealed, id); err != nil {
		t.Fatal(err)
	}
	var r apiReveal
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+id+"/secret/reveal", nil, &r)
	if r.Secret != apiOldSecret {
		t.Fatalf("old secret not in place: %q", r.Secret)
	}
}
