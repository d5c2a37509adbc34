package web

import "net/http"

// dashSessionDelete logs out: the session row is deleted and the cookie
// cleared. A POST, like every state change.
func (s *Server) dashSessionDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
