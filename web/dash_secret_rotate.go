package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// rotateDelays are the dashboard's choices of when a new secret takes
// over, by the form's activate_in value (seconds).
var rotateDelays = map[string]time.Duration{
	"": 0, "0": 0, "3600": time.Hour, "86400": 24 * time.Hour, "604800": 7 * 24 * time.Hour,
}

// dashSecretRotate makes a new signing secret that takes over at the time
// chosen (after the page's confirmation) and shows it once.
func (s *Server) dashSecretRotate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	delay, ok := rotateDelays[r.PostFormValue("activate_in")]
	if !ok {
		return errBadRequest("choose when the new secret takes over: now, in 1 hour, in 24 hours or in 7 days")
	}
	secret, _, err := s.store.EndpointRotateSecret(r.Context(), actor(r), ep.ID, delay)
	if err != nil {
		return err
	}
	return s.renderSecretAfter(w, r, ep.ID, secret)
}

// dashSecretActivate: "Switch now", the pending secret takes over.
func (s *Server) dashSecretActivate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	if _, err := s.store.EndpointActivateSecret(r.Context(), actor(r), ep.ID); err != nil && !errors.Is(err, store.ErrNoPendingSecret) {
		return err
	}
	return s.renderSecretAfter(w, r, ep.ID, "")
}

// dashSecretCancel drops the pending secret; the active one stays.
func (s *Server) dashSecretCancel(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	if err := s.store.EndpointDropPendingSecret(r.Context(), actor(r), ep.ID); err != nil && !errors.Is(err, store.ErrNoPendingSecret) {
		return err
	}
	return s.renderSecretAfter(w, r, ep.ID, "")
}

// dashStandardWebhooks turns the Standard Webhooks headers on or off. An
// older-form secret cannot turn them on; the box says to rotate first.
func (s *Server) dashStandardWebhooks(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	on := r.PostFormValue("on") == "true"
	_, err = s.store.EndpointUpdate(r.Context(), actor(r), ep.ID, store.EndpointPatch{StandardWebhooks: &on})
	if err != nil && !errors.Is(err, store.ErrSecretNotStandard) {
		return err
	}
	return s.renderSecretAfter(w, r, ep.ID, "")
}

// renderSecretAfter renders the secret box of the endpoint as it is after
// a change; rotated is a secret just made, shown this once.
func (s *Server) renderSecretAfter(w http.ResponseWriter, r *http.Request, id, rotated string) error {
	ep, err := s.store.EndpointGet(r.Context(), id)
	if err != nil {
		return err
	}
	sv := s.secretView(ep)
	sv.Revealed, sv.Rotated = rotated, rotated != ""
	if isHTMX(r) {
		// The snippets change with whether a rotation is pending: they
		// come along, swapped out of band.
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, r, http.StatusOK, views.SecretUpdate(sv))
	}
	return s.renderSecret(w, r, id, sv)
}
