package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// clock is a settable clock for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestSecretRotationPending: a rotation with a delay keeps the active
// secret until the changeover time, then the pending one is the active
// one, with no write needed at that time; activate and drop act on a
// pending secret only, and every step is audited.
func TestSecretRotationPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.New(testdb.New(t), store.Options{EncryptionKey: testdb.Key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "one@example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, first, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	reveal := func() store.Secrets {
		t.Helper()
		s, err := st.EndpointRevealSecret(ctx, apiActor, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	second, at, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(time.Hour); !at.Equal(want) {
		t.Fatalf("activates at %s, want %s", at, want)
	}
	if s := reveal(); s.Active != first || s.Pending != second {
		t.Fatalf("during the window: %+v", s)
	}
	// A second rotation replaces the pending secret, not the active one.
	third, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s := reveal(); s.Active != first || s.Pending != third {
		t.Fatalf("after a second rotation: %+v", s)
	}
	clk.add(2*time.Hour - time.Millisecond)
	if got, _ := st.EndpointGet(ctx, ep.ID); got.SecretActivatesAt == nil {
		t.Fatal("a millisecond before the changeover, nothing is pending")
	}
	clk.add(time.Millisecond)
	got, err := st.EndpointGet(ctx, ep.ID)
	if err != nil || got.SecretActivatesAt != nil {
		t.Fatalf("at the changeover: %+v, %v; want nothing pending", got.SecretActivatesAt, err)
	}
	if s := reveal(); s.Active != third || s.Pending != "" || s.ActivatesAt != nil {
		t.Fatalf("after the changeover: %+v", s)
	}
	if _, err := st.EndpointActivateSecret(ctx, apiActor, ep.ID); !errors.Is(err, store.ErrNoPendingSecret) {
		t.Fatalf("activate with nothing pending: %v", err)
	}
	if err := st.EndpointDropPendingSecret(ctx, apiActor, ep.ID); !errors.Is(err, store.ErrNoPendingSecret) {
		t.Fatalf("drop with nothing pending: %v", err)
	}

	fourth, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EndpointDropPendingSecret(ctx, apiActor, ep.ID); err != nil {
		t.Fatal(err)
	}
	if s := reveal(); s.Active != third || s.Pending != "" {
		t.Fatalf("after cancel: %+v", s)
	}
	fifth, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EndpointActivateSecret(ctx, apiActor, ep.ID); err != nil {
		t.Fatal(err)
	}
	if s := reveal(); s.Active != fifth || s.Pending != "" || fourth == fifth {
		t.Fatalf("after activate: %+v", s)
	}
	// Rotating at once drops a pending secret.
	if _, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	sixth, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s := reveal(); s.Active != sixth || s.Pending != "" {
		t.Fatalf("after rotating at once: %+v", s)
	}

	var actions []string
	rows, err := st.Pool.Query(ctx, "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id", ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
	}
	want := []string{"endpoint.created", "secret.rotated", "secret.revealed", "secret.rotated", "secret.revealed",
		"secret.revealed", "secret.rotated", "secret.pending_dropped", "secret.revealed", "secret.rotated",
		"secret.activated", "secret.revealed", "secret.rotated", "secret.rotated", "secret.revealed"}
	if len(actions) != len(want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit %v, want %v", actions, want)
		}
	}
}

// TestStandardWebhooksNeedsAStandardSecret: an endpoint whose secret is of
// the older base62 form cannot turn Standard Webhooks on until it rotates.
func TestStandardWebhooksNeedsAStandardSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "one@example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	setOldSecret(t, st, ep.ID)
	on := true
	if _, err := st.EndpointUpdate(ctx, apiActor, ep.ID, store.EndpointPatch{StandardWebhooks: &on}); !errors.Is(err, store.ErrSecretNotStandard) {
		t.Fatalf("turning on with an old secret: %v", err)
	}
	if _, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, 0); err != nil {
		t.Fatal(err)
	}
	got, err := st.EndpointUpdate(ctx, apiActor, ep.ID, store.EndpointPatch{StandardWebhooks: &on})
	if err != nil || !got.StandardWebhooks {
		t.Fatalf("after rotating: %v, %v", got.StandardWebhooks, err)
	}
	// Other changes keep it on.
	desc := "x"
	if got, err := st.EndpointUpdate(ctx, apiActor, ep.ID, store.EndpointPatch{Description: &desc}); err != nil || !got.StandardWebhooks {
		t.Fatalf("after another change: %v, %v", got.StandardWebhooks, err)
	}
}

// setOldSecret gives the endpoint a secret of the form made before this
// release ("whsec_" and 43 base62 characters), sealed with the test key.
func setOldSecret(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	old := "whsec_" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"
	sealed, err := store.SealForTest(st, id, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(context.Background(), "UPDATE endpoints SET secret_encrypted = $1 WHERE id = $2", sealed, id); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestRotateKeyResealsPendingSecrets: a key rotation re-seals a pending
// secret too, so it still opens after its changeover.
func TestRotateKeyResealsPendingSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "one@example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, active, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	pending, _, err := st.EndpointRotateSecret(ctx, apiActor, ep.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newKey := bytes.Repeat([]byte{9}, 32)
	n, err := store.RotateKey(ctx, st.Pool, testdb.Key, newKey)
	if err != nil || n != 1 {
		t.Fatalf("RotateKey = %d, %v; want 1 endpoint re-sealed", n, err)
	}
	after, err := store.New(st.Pool, store.Options{EncryptionKey: newKey})
	if err != nil {
		t.Fatal(err)
	}
	s, err := after.EndpointRevealSecret(ctx, apiActor, ep.ID)
	if err != nil || s.Active != active || s.Pending != pending {
		t.Fatalf("under the new key: %+v, %v", s, err)
	}
	if !webhook.IsStandardSecret(s.Pending) {
		t.Fatalf("pending secret %q is not of the standard form", s.Pending)
	}
	// The previous secret (the checker's "signed with the previous
	// secret") is re-sealed too: switch now, rotate the key back, open it.
	if _, err := after.EndpointActivateSecret(ctx, apiActor, ep.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := store.RotateKey(ctx, st.Pool, newKey, testdb.Key); err != nil || n != 1 {
		t.Fatalf("RotateKey back = %d, %v", n, err)
	}
	got, err := st.EndpointGet(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := st.EndpointSigningSecrets(got)
	if err != nil || sec.Active != pending || sec.Previous != active || sec.PreviousReplacedAt == nil {
		t.Fatalf("after switching and rotating the key back: %+v, %v; want the old active as the previous", sec, err)
	}
}
