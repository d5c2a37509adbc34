package web

import "github.com/clipcabinet/webhooks/internal/auth"

// DashRoutes lists the dashboard's route patterns, for tests that walk them.
func (s *Server) DashRoutes() []string { return s.dashRoutes }

// Hasher is the server's password hasher.
func (s *Server) Hasher() *auth.Hasher { return s.hasher }

// SetHasher replaces the password hasher; call before any request.
func (s *Server) SetHasher(h *auth.Hasher) { s.hasher = h }
