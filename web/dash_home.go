package web

import "net/http"

func (s *Server) dashHome(w http.ResponseWriter, r *http.Request) error {
	if u, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, landing(u), http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return nil
}
