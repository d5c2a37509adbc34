package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/static"
)

// access is who may use a dashboard route.
type access int

const (
	public    access = iota // anyone; the session is loaded if there is one
	signedIn                // a signed-in user
	adminOnly               // a signed-in admin; anyone else gets 404
)

// routes is the one route table: every pattern the server answers,
// grouped by surface. API actions go through s.api (bearer token, JSON
// errors); dashboard actions through s.dash (session, access, error pages).
// Every dashboard state change is a POST (never a GET), and cross-origin
// POSTs are refused by crossOriginProtection around the whole mux.
func (s *Server) routes() {
	m := s.mux
	api := func(pattern string, h apiHandler) { m.Handle(pattern, s.requireToken(s.api(h))) }
	dash := func(pattern string, a access, h dashHandler) {
		s.dashRoutes = append(s.dashRoutes, pattern)
		m.Handle(pattern, s.dash(a, h))
	}

	// Health.
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	if s.mx != nil && s.cfg.MetricsAddr == "" {
		m.Handle("GET /metrics", s.requireToken(s.mx.Handler()))
	}

	// API: users and their endpoints.
	api("POST /api/v1/users", s.apiUserCreate)
	api("GET /api/v1/users/{userId}", s.apiUserGet)
	api("POST /api/v1/users/{userId}/endpoints", s.apiEndpointCreate)
	api("GET /api/v1/users/{userId}/endpoints", s.apiEndpointList)
	api("GET /api/v1/endpoints/{endpointId}", s.apiEndpointGet)
	api("PATCH /api/v1/endpoints/{endpointId}", s.apiEndpointUpdate)
	api("DELETE /api/v1/endpoints/{endpointId}", s.apiEndpointDelete)
	api("POST /api/v1/endpoints/{endpointId}/secret/reveal", s.apiEndpointSecretReveal)
	api("POST /api/v1/endpoints/{endpointId}/secret/rotate", s.apiEndpointSecretRotate)
	api("POST /api/v1/endpoints/{endpointId}/secret/activate", s.apiEndpointSecretActivate)
	api("DELETE /api/v1/endpoints/{endpointId}/secret/pending", s.apiEndpointSecretDropPending)
	api("POST /api/v1/endpoints/{endpointId}/test", s.apiEndpointSendTest)
	// API: events and deliveries.
	api("POST /api/v1/events", s.apiEventPublish)
	api("GET /api/v1/deliveries", s.apiDeliveryList)
	api("GET /api/v1/deliveries/export", s.apiDeliveryExport)
	api("GET /api/v1/deliveries/{deliveryId}", s.apiDeliveryGet)
	api("POST /api/v1/deliveries/{deliveryId}/retry", s.apiDeliveryRetry)
	api("/api/", func(http.ResponseWriter, *http.Request) error { return errNotFound() })

	// Dashboard: sessions and sign-up.
	dash("GET /{$}", public, s.dashHome)
	dash("GET /login", public, s.dashSessionNew)
	dash("POST /login", public, s.dashSessionCreate)
	dash("POST /logout", public, s.dashSessionDelete)
	dash("GET /signup", public, s.dashUserNew)
	dash("POST /signup", public, s.dashUserCreate)
	// Dashboard: endpoints and their secrets.
	dash("GET /endpoints", signedIn, s.dashEndpointList)
	dash("GET /endpoints/new", signedIn, s.dashEndpointNew)
	dash("POST /endpoints", signedIn, s.dashEndpointCreate)
	dash("GET /endpoints/{endpointId}", signedIn, s.dashEndpointShow)
	dash("GET /endpoints/{endpointId}/edit", signedIn, s.dashEndpointEdit)
	dash("POST /endpoints/{endpointId}/edit", signedIn, s.dashEndpointUpdate)
	dash("POST /endpoints/{endpointId}/enable", signedIn, s.dashEndpointEnable)
	dash("POST /endpoints/{endpointId}/disable", signedIn, s.dashEndpointDisable)
	dash("POST /endpoints/{endpointId}/delete", signedIn, s.dashEndpointDelete)
	dash("POST /endpoints/{endpointId}/secret/reveal", signedIn, s.dashSecretReveal)
	dash("POST /endpoints/{endpointId}/secret/rotate", signedIn, s.dashSecretRotate)
	dash("POST /endpoints/{endpointId}/secret/activate", signedIn, s.dashSecretActivate)
	dash("POST /endpoints/{endpointId}/secret/cancel", signedIn, s.dashSecretCancel)
	dash("POST /endpoints/{endpointId}/standard-webhooks", signedIn, s.dashStandardWebhooks)
	dash("POST /endpoints/{endpointId}/test", signedIn, s.dashEndpointSendTest)
	dash("POST /endpoints/{endpointId}/signature-check", signedIn, s.dashSignatureCheck)
	// Dashboard: the delivery drawer, recoveries and the audit log.
	dash("GET /endpoints/{endpointId}/deliveries", signedIn, s.dashDeliveryList)
	dash("GET /endpoints/{endpointId}/deliveries/export", signedIn, s.dashDeliveryExport)
	dash("GET /endpoints/{endpointId}/deliveries/{deliveryId}", signedIn, s.dashDeliveryShow)
	dash("POST /endpoints/{endpointId}/deliveries/{deliveryId}/retry", signedIn, s.dashDeliveryRetry)
	dash("GET /endpoints/{endpointId}/recover", signedIn, s.dashRecoveryNew)
	dash("POST /endpoints/{endpointId}/recoveries", signedIn, s.dashRecoveryCreate)
	dash("GET /endpoints/{endpointId}/recoveries/{recoveryId}", signedIn, s.dashRecoveryShow)
	dash("GET /audit", signedIn, s.dashAuditList)
	// Dashboard: the event catalogue (views.CataloguePath).
	dash("GET /events", signedIn, s.dashEventCatalogue)
	// Dashboard: owner notices and their email settings. The settings POST
	// is public for RFC 8058 one-click unsubscribes (no session, a token in
	// the link); a form save without a session goes to the login.
	dash("GET /notices", signedIn, s.dashNoticeList)
	dash("POST /notices/read", signedIn, s.dashNoticeRead)
	dash("GET /settings/notifications", signedIn, s.dashNoticeSettings)
	dash("POST /settings/notifications", public, s.dashNoticeSettingsUpdate)

	// Admin.
	dash("GET /admin/attention", adminOnly, s.dashAdminAttention)
	dash("POST /admin/attention/notify", adminOnly, s.dashAdminAttentionNotify)
	dash("GET /admin/deliveries", adminOnly, s.dashAdminDeliveryList)
	dash("GET /admin/deliveries/export", adminOnly, s.dashAdminDeliveryExport)
	dash("GET /admin/deliveries/retry", adminOnly, s.dashAdminRetryPreview)
	dash("POST /admin/deliveries/retry", adminOnly, s.dashAdminRetryBulk)
	dash("GET /admin/deliveries/{deliveryId}", adminOnly, s.dashAdminDeliveryShow)
	dash("POST /admin/deliveries/{deliveryId}/retry", adminOnly, s.dashAdminDeliveryRetry)
	dash("GET /admin/recoveries/{recoveryId}", adminOnly, s.dashAdminRecoveryShow)
	dash("GET /admin/audit", adminOnly, s.dashAdminAuditList)
	dash("GET /admin/notices", adminOnly, s.dashAdminNoticeList)

	// Static files; anything else is the dashboard's 404 page.
	m.Handle("GET /static/", static.Handler())
	m.Handle("GET /favicon.ico", static.FaviconHandler())
	dash("/", public, func(http.ResponseWriter, *http.Request) error { return errNotFound() })
}
