package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

type apiAuditRow struct {
	UserID, Actor, Action, TargetID, RemoteAddr string
}

// apiAudit returns the audit rows about target, oldest first.
func apiAudit(t *testing.T, app *testapp.App, target string) []apiAuditRow {
	t.Helper()
	rows, err := app.Pool.Query(t.Context(), `
		SELECT coalesce(user_id, ''), actor, action, coalesce(target_id, ''), coalesce(remote_addr, '')
		FROM audit_log WHERE target_id = $1 ORDER BY id`, target)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[apiAuditRow])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func apiActions(rows []apiAuditRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

func TestAPISecretRevealAndRotate(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": apiAllEvents})
	other := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/other", "events": apiAllEvents})

	secretCall := func(t *testing.T, action, id string) string {
		t.Helper()
		var out struct {
			Secret        string
			PendingSecret *string
			ActivatesAt   *string
		}
		res := apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+id+"/secret/"+action, nil, &out)
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", action, cc)
		}
		wantKeys := []string{"activatesAt", "pendingSecret", "secret"}
		if action == "rotate" {
			wantKeys = []string{"activatesAt", "secret"}
			// At once: it takes over now.
			apiWantTime(t, "activatesAt", *out.ActivatesAt)
		} else if out.PendingSecret != nil || out.ActivatesAt != nil {
			t.Errorf("reveal with nothing pending: %s", res.Body)
		}
		if keys := apiKeys(t, res.Body); !slices.Equal(keys, wantKeys) {
			t.Errorf("%s: keys %v, want %v", action, keys, wantKeys)
		}
		if !apiSecretRE.MatchString(out.Secret) {
			t.Errorf("%s: secret %q, want whsec_ and the standard base64 of 32 bytes", action, out.Secret)
		}
		return out.Secret
	}

	if got := secretCall(t, "reveal", ep.ID); got != ep.Secret {
		t.Fatalf("reveal = %q, want the secret given at creation %q", got, ep.Secret)
	}
	rotated := secretCall(t, "rotate", ep.ID)
	if rotated == ep.Secret {
		t.Fatal("rotate returned the old secret")
	}
	if got := secretCall(t, "reveal", ep.ID); got != rotated {
		t.Fatalf("reveal after rotate = %q, want the new secret %q", got, rotated)
	}
	if again := secretCall(t, "rotate", ep.ID); again == rotated || again == ep.Secret {
		t.Fatalf("second rotate returned a secret seen before: %q", again)
	}
	// The other endpoint's secret is untouched.
	if got := secretCall(t, "reveal", other.ID); got != other.Secret {
		t.Fatalf("other endpoint's secret changed: %q, was %q", got, other.Secret)
	}

	rows := apiAudit(t, app, ep.ID)
	want := []string{"endpoint.created", "secret.revealed", "secret.rotated", "secret.revealed", "secret.rotated"}
	if got := apiActions(rows); !slices.Equal(got, want) {
		t.Fatalf("audit actions %v, want %v", got, want)
	}
	for _, r := range rows {
		if r.UserID != user.ID || r.Actor != "api" || r.TargetID != ep.ID || r.RemoteAddr != "127.0.0.1" {
			t.Errorf("audit row %+v, want user %s, actor api, target %s, remote 127.0.0.1", r, user.ID, ep.ID)
		}
	}

	t.Run("unknown endpoint", func(t *testing.T) {
		for _, action := range []string{"reveal", "rotate"} {
			res := apiCall(t, app, "POST", "/api/v1/endpoints/ep_0000000000000000/secret/"+action, nil, nil)
			apiWantError(t, res, http.StatusNotFound, "not_found")
		}
		var n int
		if err := app.Pool.QueryRow(t.Context(), "SELECT count(*) FROM audit_log WHERE target_id = 'ep_0000000000000000'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d audit rows for an unknown endpoint", n)
		}
	})
}

// TestAPIRotatedSecretSigns: after a rotation, the receiver can verify the
// next delivery with the new secret only.
func TestAPIRotatedSecretSigns(t *testing.T) {
	t.Parallel()
	type got struct {
		body []byte
		sig  string
	}
	recv := make(chan got, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		recv <- got{body, r.Header.Get("X-ClipCabinet-Signature")}
	}))
	defer srv.Close()
	app := testapp.Start(t, testapp.Options{})
	user := apiNewUser(t, app, "owner@example.com")
	ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": srv.URL + "/hook", "events": apiAllEvents})
	var rot struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate", nil, &rot)
	apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]any{"event": "comment.added"}, nil)
	select {
	case g := <-recv:
		if !webhook.Verify(rot.Secret, g.body, g.sig) {
			t.Errorf("delivery after rotation does not verify with the new secret (signature %q)", g.sig)
		}
		if webhook.Verify(ep.Secret, g.body, g.sig) {
			t.Error("delivery after rotation still verifies with the old secret")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10s")
	}
}

// TestSecretsNotStoredInPlaintext reads every row of every table as text,
// and the sealed secrets as raw bytes, and looks for any secret ever issued,
// whole or as its body, raw, hex or base64.
func TestSecretsNotStoredInPlaintext(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	var secrets []string
	var ids []string
	for _, path := range []string{"/a", "/b", "/c"} {
		ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14" + path, "events": apiAllEvents, "description": "plain"})
		secrets = append(secrets, ep.Secret)
		ids = append(ids, ep.ID)
	}
	var rot struct{ Secret string }
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ids[0]+"/secret/reveal", nil, nil)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ids[0]+"/secret/rotate", nil, &rot)
	secrets = append(secrets, rot.Secret)
	apiMust(t, app, http.StatusOK, "POST", "/api/v1/endpoints/"+ids[0]+"/secret/reveal", nil, nil)
	apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ids[1], map[string]any{"enabled": false}, nil)
	apiMust(t, app, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+ids[2], nil, nil)
	apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ids[0]+"/test", map[string]any{"event": "comment.added"}, nil)

	// needles are the forms a leaked secret could take.
	needles := []string{webhook.SecretPrefix, hex.EncodeToString([]byte(webhook.SecretPrefix))}
	for _, s := range secrets {
		body := strings.TrimPrefix(s, webhook.SecretPrefix)
		needles = append(needles, body,
			hex.EncodeToString([]byte(body)),
			base64.StdEncoding.EncodeToString([]byte(s)),
			base64.StdEncoding.EncodeToString([]byte(body))[:40])
	}
	ctx := context.Background()
	tables, err := app.Pool.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(tables, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"endpoints", "audit_log"} {
		if !slices.Contains(names, want) {
			t.Fatalf("table %s not found among %v", want, names)
		}
	}
	for _, table := range names {
		rows, err := app.Pool.Query(ctx, "SELECT t::text FROM "+pgx.Identifier{table}.Sanitize()+" t")
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if table == "endpoints" && len(texts) != 3 {
			t.Fatalf("endpoints has %d rows, want 3", len(texts))
		}
		for _, text := range texts {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
					t.Errorf("table %s holds %q in plain sight: %.200s", table, n, text)
				}
			}
		}
	}

	rows, err := app.Pool.Query(ctx, "SELECT id, secret_encrypted FROM endpoints")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			t.Fatal(err)
		}
		if len(sealed) < 43 {
			t.Errorf("%s: sealed secret is only %d bytes", id, len(sealed))
		}
		for _, s := range secrets {
			body := strings.TrimPrefix(s, webhook.SecretPrefix)
			if bytes.Contains(sealed, []byte(webhook.SecretPrefix)) || bytes.Contains(sealed, []byte(body[:16])) {
				t.Errorf("%s: secret_encrypted holds the secret's bytes", id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
