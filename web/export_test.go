package web

// DashRoutes lists the dashboard's route patterns, for tests that walk them.
func (s *Server) DashRoutes() []string { return s.dashRoutes }
