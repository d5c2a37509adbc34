package web

import (
	"context"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database answers and the schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*1e9)
	defer cancel()
	if err := s.store.Pool.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	current, err := store.SchemaCurrent(ctx, s.store.Pool)
	if err != nil || !current {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database schema is not current: run clipcabinet migrate up"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
