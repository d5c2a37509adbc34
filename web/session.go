package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/store"
)

// Session settings. The idle timeout ends a session nobody used for a
// working day; the lifetime bounds any session, used or not.
const (
	SessionIdleTimeout = 12 * time.Hour
	SessionLifetime    = 7 * 24 * time.Hour
	sessionCookie      = "clipcabinet_session"
	sessionUserKey     = "user_id"
	sessionFlashKey    = "flash"
)

// NewSessions makes the dashboard's session manager on the sessions table
// (scs's pgxstore). cleanup is how often expired rows are deleted; 0 never
// (tests, whose databases are dropped anyway). stop ends the cleanup.
func NewSessions(cfg config.Config, pool *pgxpool.Pool, cleanup time.Duration) (m *scs.SessionManager, stop func()) {
	m = scs.New()
	st := pgxstore.NewWithCleanupInterval(pool, cleanup)
	m.Store = st
	m.IdleTimeout = SessionIdleTimeout
	m.Lifetime = SessionLifetime
	m.Cookie.Name = sessionCookie
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = cfg.SecureCookies()
	m.Cookie.Path = "/"
	if m.Cookie.Secure {
		// The browser keeps a __Host- cookie only if it came over https
		// with Secure, Path=/ and no Domain: a sibling subdomain or a
		// plain-http page cannot set or shadow the session.
		m.Cookie.Name = "__Host-" + sessionCookie
	}
	if cleanup <= 0 {
		return m, func() {}
	}
	return m, st.StopCleanup
}

type ctxKey int

const userKey ctxKey = iota

// currentUser is the signed-in user the middleware put in the context.
func currentUser(ctx context.Context) (store.User, bool) {
	u, ok := ctx.Value(userKey).(store.User)
	return u, ok
}

// loadUser reads the session's user from the database on every request, so
// a deleted user or a changed admin flag takes effect at once.
func (s *Server) loadUser(r *http.Request) (store.User, bool, error) {
	id := s.sessions.GetString(r.Context(), sessionUserKey)
	if id == "" {
		return store.User{}, false, nil
	}
	u, err := s.store.UserGet(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	return u, true, nil
}

// login starts a session for the user with a fresh token, so a token
// planted before login (session fixation) is worth nothing after it.
func (s *Server) login(ctx context.Context, userID string) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionUserKey, userID)
	return nil
}

func (s *Server) flash(ctx context.Context, kind, text string) {
	s.sessions.Put(ctx, sessionFlashKey, kind+"\x00"+text)
}

// actor is who the audit log names for a dashboard action.
func actor(r *http.Request) store.Actor {
	u, _ := currentUser(r.Context())
	return store.Actor{ID: u.ID, RemoteAddr: remoteIP(r)}
}

// apiActor is who the audit log names for API calls.
func apiActor(r *http.Request) store.Actor {
	return store.Actor{ID: store.ActorAPI, RemoteAddr: remoteIP(r)}
}
