package web

// dashboardRoutes registers the dashboard's pages and actions.
func (s *Server) dashboardRoutes() {}
