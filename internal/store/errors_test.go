package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// foundationStore is a store on a fresh database with the test key.
func foundationStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.New(testdb.New(t), store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var apiActor = store.Actor{ID: "api", RemoteAddr: "127.0.0.1"}

// TestErrorMapping: callers get ErrNotFound and ErrConflict, never a pgx error.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "One@Example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	gone, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_one", URL: "https://93.184.215.14/gone", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EndpointDelete(ctx, apiActor, gone.ID); err != nil {
		t.Fatal(err)
	}
	yes := true
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{name: "user id taken", want: store.ErrConflict, call: func() error {
			_, err := st.UserCreate(ctx, store.NewUser{ID: "user_one", Email: "two@example.com"})
			return err
		}},
		{name: "email taken", want: store.ErrConflict, call: func() error {
			_, err := st.UserCreate(ctx, store.NewUser{ID: "user_two", Email: "One@Example.com"})
			return err
		}},
		{name: "email taken in another case", want: store.ErrConflict, call: func() error {
			_, err := st.UserCreate(ctx, store.NewUser{ID: "user_three", Email: "one@EXAMPLE.COM"})
			return err
		}},
		{name: "user get unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.UserGet(ctx, "user_nobody")
			return err
		}},
		{name: "user by email unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.UserByEmail(ctx, "nobody@example.com")
			return err
		}},
		{name: "endpoint for an unknown user", want: store.ErrNotFound, call: func() error {
			_, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_nobody", URL: "https://93.184.215.14/", Events: []string{"comment.added"}})
			return err
		}},
		{name: "endpoint get unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.EndpointGet(ctx, "ep_nothing")
			return err
		}},
		{name: "endpoint get deleted", want: store.ErrNotFound, call: func() error {
			_, err := st.EndpointGet(ctx, gone.ID)
			return err
		}},
		{name: "endpoint update unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.EndpointUpdate(ctx, apiActor, "ep_nothing", store.EndpointPatch{Enabled: &yes})
			return err
		}},
		{name: "endpoint update deleted", want: store.ErrNotFound, call: func() error {
			_, err := st.EndpointUpdate(ctx, apiActor, gone.ID, store.EndpointPatch{Enabled: &yes})
			return err
		}},
		{name: "endpoint delete unknown", want: store.ErrNotFound, call: func() error {
			return st.EndpointDelete(ctx, apiActor, "ep_nothing")
		}},
		{name: "endpoint delete twice", want: store.ErrNotFound, call: func() error {
			return st.EndpointDelete(ctx, apiActor, gone.ID)
		}},
		{name: "reveal unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.EndpointRevealSecret(ctx, apiActor, "ep_nothing")
			return err
		}},
		{name: "rotate deleted", want: store.ErrNotFound, call: func() error {
			_, _, err := st.EndpointRotateSecret(ctx, apiActor, gone.ID, 0)
			return err
		}},
		{name: "delivery get unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.DeliveryGet(ctx, "del_nothing")
			return err
		}},
		{name: "delivery retry unknown", want: store.ErrNotFound, call: func() error {
			_, err := st.DeliveryRetry(ctx, apiActor, "del_nothing")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			other := store.ErrConflict
			if tt.want == store.ErrConflict {
				other = store.ErrNotFound
			}
			if errors.Is(err, other) {
				t.Errorf("err = %v is both %v and %v", err, tt.want, other)
			}
			var pg *pgconn.PgError
			if errors.As(err, &pg) || errors.Is(err, pgx.ErrNoRows) {
				t.Errorf("a pgx error reaches the caller: %v", err)
			}
		})
	}
	t.Run("nothing half-made", func(t *testing.T) {
		t.Parallel()
		var users, endpoints int
		if err := st.Pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM endpoints WHERE user_id <> 'user_one')").Scan(&users, &endpoints); err != nil {
			t.Fatal(err)
		}
		if users != 1 || endpoints != 0 {
			t.Errorf("%d users and %d stray endpoints after the failed calls", users, endpoints)
		}
		if _, err := st.EndpointGet(ctx, ep.ID); err != nil {
			t.Errorf("the live endpoint: %v", err)
		}
	})
}

// TestUnavailable: a database that does not answer is ErrUnavailable, which
// the API turns into a 503, not a 500.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st, err := store.New(pool, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name string
		call func() error
	}{
		{name: "user get", call: func() error { _, err := st.UserGet(ctx, "user_x"); return err }},
		{name: "endpoint get", call: func() error { _, err := st.EndpointGet(ctx, "ep_x"); return err }},
		{name: "endpoint delete (a transaction)", call: func() error { return st.EndpointDelete(ctx, apiActor, "ep_x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
				t.Errorf("err = %v also matches NotFound or Conflict", err)
			}
		})
	}
}

// TestWithTxRollsBack: an error from fn leaves nothing behind; nil commits.
func TestWithTxRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	boom := errors.New("boom")
	err := st.WithTx(ctx, func(q *db.Queries) error {
		if _, err := q.UserInsert(ctx, db.UserInsertParams{ID: "user_rolled", Email: "rolled@example.com"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx = %v, want fn's error", err)
	}
	if _, err := st.UserGet(ctx, "user_rolled"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user from a rolled back transaction: %v", err)
	}
	err = st.WithTx(ctx, func(q *db.Queries) error {
		_, err := q.UserInsert(ctx, db.UserInsertParams{ID: "user_kept", Email: "kept@example.com"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserGet(ctx, "user_kept"); err != nil {
		t.Fatalf("committed user: %v", err)
	}
}
