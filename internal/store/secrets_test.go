package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// sealedOf reads an endpoint's sealed secret as stored.
func sealedOf(t *testing.T, st *store.Store, id string) []byte {
	t.Helper()
	var sealed []byte
	if err := st.Pool.QueryRow(context.Background(), "SELECT secret_encrypted FROM endpoints WHERE id = $1", id).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestSecretSealing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "one@example.com"}); err != nil {
		t.Fatal(err)
	}
	newEndpoint := func(path string) (string, string) {
		ep, secret, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/" + path, Events: []string{"comment.added"}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return ep.ID, secret
	}
	aID, aSecret := newEndpoint("a")
	bID, bSecret := newEndpoint("b")
	if !strings.HasPrefix(aSecret, webhook.SecretPrefix) || aSecret == bSecret {
		t.Fatalf("secrets %q and %q", aSecret, bSecret)
	}
	aSealed := sealedOf(t, st, aID)

	otherKey := bytes.Repeat([]byte{7}, 32)
	otherStore, err := store.New(st.Pool, store.Options{EncryptionKey: otherKey})
	if err != nil {
		t.Fatal(err)
	}
	noKey, err := store.New(st.Pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(aSealed)
	flipped[len(flipped)-1] ^= 1
	nonceFlipped := bytes.Clone(aSealed)
	nonceFlipped[0] ^= 1

	tests := []struct {
		name   string
		st     *store.Store
		id     string
		sealed []byte
		want   string // empty: must fail
	}{
		{name: "own id opens", st: st, id: aID, sealed: aSealed, want: aSecret},
		{name: "another endpoint's id as associated data", st: st, id: bID, sealed: aSealed},
		{name: "id differing in case", st: st, id: strings.ToUpper(aID), sealed: aSealed},
		{name: "another key", st: otherStore, id: aID, sealed: aSealed},
		{name: "no key", st: noKey, id: aID, sealed: aSealed},
		{name: "tag tampered", st: st, id: aID, sealed: flipped},
		{name: "nonce tampered", st: st, id: aID, sealed: nonceFlipped},
		{name: "truncated", st: st, id: aID, sealed: aSealed[:len(aSealed)-1]},
		{name: "too short", st: st, id: aID, sealed: aSealed[:8]},
		{name: "empty", st: st, id: aID, sealed: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.st.OpenSecret(tt.id, tt.sealed)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("OpenSecret = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("OpenSecret = %q, want an error", got)
			}
			if got != "" || strings.Contains(err.Error(), webhook.SecretPrefix) {
				t.Errorf("a failed open leaks: %q, %v", got, err)
			}
		})
	}

	t.Run("sealed secret copied onto another endpoint does not reveal", func(t *testing.T) {
		t.Parallel()
		cID, _ := newEndpoint("c")
		if _, err := st.Pool.Exec(ctx, "UPDATE endpoints SET secret_encrypted = $1 WHERE id = $2", aSealed, cID); err != nil {
			t.Fatal(err)
		}
		got, err := st.EndpointRevealSecret(ctx, apiActor, cID)
		if err == nil || got.Active == aSecret {
			t.Fatalf("reveal of the copied row = %q, %v; want an error", got, err)
		}
	})

	t.Run("rotate seals afresh", func(t *testing.T) {
		t.Parallel()
		dID, dSecret := newEndpoint("d")
		before := sealedOf(t, st, dID)
		rotated, _, err := st.EndpointRotateSecret(ctx, apiActor, dID, 0)
		if err != nil {
			t.Fatal(err)
		}
		after := sealedOf(t, st, dID)
		if rotated == dSecret || bytes.Equal(before, after) {
			t.Fatal("rotate kept the secret or its sealed form")
		}
		if got, err := st.OpenSecret(dID, after); err != nil || got != rotated {
			t.Fatalf("open after rotate = %q, %v; want %q", got, err, rotated)
		}
		if got, err := st.EndpointRevealSecret(ctx, apiActor, dID); err != nil || got.Active != rotated {
			t.Fatalf("reveal after rotate = %q, %v; want %q", got, err, rotated)
		}
	})

	t.Run("pending secret sealed like the active one", func(t *testing.T) {
		t.Parallel()
		eID, eSecret := newEndpoint("e")
		pending, at, err := st.EndpointRotateSecret(ctx, apiActor, eID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var sealed []byte
		if err := st.Pool.QueryRow(ctx, "SELECT pending_secret_encrypted FROM endpoints WHERE id = $1", eID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte(pending)) {
			t.Fatal("pending secret stored in plain text")
		}
		if got, err := st.OpenSecret(eID, sealed); err != nil || got != pending {
			t.Fatalf("open pending = %q, %v; want %q", got, err, pending)
		}
		got, err := st.EndpointRevealSecret(ctx, apiActor, eID)
		if err != nil || got.Active != eSecret || got.Pending != pending || got.ActivatesAt == nil || !got.ActivatesAt.Equal(at) {
			t.Fatalf("reveal = %+v, %v; want active %q, pending %q at %s", got, err, eSecret, pending, at)
		}
	})

	t.Run("no key: endpoints cannot be made", func(t *testing.T) {
		t.Parallel()
		_, _, err := noKey.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/nokey", Events: []string{"comment.added"}})
		if err == nil {
			t.Fatal("EndpointCreate without a key succeeded")
		}
		var n int
		if err := st.Pool.QueryRow(ctx, "SELECT count(*) FROM endpoints WHERE url LIKE '%/nokey'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows, %v", n, err)
		}
	})
}

// TestNewKeyLength: the key is AES-256, so only 32 bytes are accepted.
func TestNewKeyLength(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	tests := []struct {
		name string
		key  []byte
		ok   bool
	}{
		{name: "32 bytes", key: testdb.Key, ok: true},
		{name: "none", key: nil, ok: true},
		{name: "16 bytes (AES-128)", key: testdb.Key[:16]},
		{name: "24 bytes (AES-192)", key: testdb.Key[:24]},
		{name: "31 bytes", key: testdb.Key[:31]},
		{name: "33 bytes", key: append(bytes.Clone(testdb.Key), 'x')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := store.New(pool, store.Options{EncryptionKey: tt.key})
			if (err == nil) != tt.ok {
				t.Fatalf("New = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
