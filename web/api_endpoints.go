package web

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

func (s *Server) apiEndpointCreate(w http.ResponseWriter, r *http.Request) error {
	user, err := s.store.UserGet(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	var in struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Description string   `json:"description"`
		Enabled     *bool    `json:"enabled"`
		// StandardWebhooks: a new secret is always of the standard form.
		StandardWebhooks bool `json:"standardWebhooks"`
	}
	if _, err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	url, msg := s.checkEndpointURL(r.Context(), in.URL)
	if msg != "" {
		fields["url"] = msg
	}
	events, msg := checkEvents(in.Events)
	if msg != "" {
		fields["events"] = msg
	}
	if msg := checkDescription(in.Description); msg != "" {
		fields["description"] = msg
	}
	if len(fields) > 0 {
		return errValidation(fields)
	}
	enabled := in.Enabled == nil || *in.Enabled
	ep, secret, err := s.store.EndpointCreate(r.Context(), apiActor(r), store.NewEndpoint{
		UserID: user.ID, URL: url, Description: in.Description, Events: events, Enabled: enabled,
		StandardWebhooks: in.StandardWebhooks, Max: s.cfg.MaxEndpointsPerUser,
	})
	if err != nil {
		return err
	}
	out := toEndpointJSON(ep)
	out.Secret = secret
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiEndpointList(w http.ResponseWriter, r *http.Request) error {
	user, err := s.store.UserGet(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	eps, err := s.store.EndpointList(r.Context(), user.ID)
	if err != nil {
		return err
	}
	out := make([]endpointJSON, len(eps))
	for i, ep := range eps {
		out[i] = toEndpointJSON(ep)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) apiEndpointGet(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.store.EndpointGet(r.Context(), r.PathValue("endpointId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEndpointJSON(ep))
	return nil
}

func (s *Server) apiEndpointUpdate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("endpointId")
	if _, err := s.store.EndpointGet(r.Context(), id); err != nil {
		return err
	}
	var in struct {
		URL         *string   `json:"url"`
		Events      *[]string `json:"events"`
		Description *string   `json:"description"`
		Enabled     *bool     `json:"enabled"`
		// StandardWebhooks on needs a secret of the current form.
		StandardWebhooks *bool `json:"standardWebhooks"`
	}
	if _, err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	patch := store.EndpointPatch{Description: in.Description, Enabled: in.Enabled, StandardWebhooks: in.StandardWebhooks, DisabledReason: "disabled through the API"}
	if in.URL != nil {
		url, msg := s.checkEndpointURL(r.Context(), *in.URL)
		if msg != "" {
			fields["url"] = msg
		}
		patch.URL = &url
	}
	if in.Events != nil {
		events, msg := checkEvents(*in.Events)
		if msg != "" {
			fields["events"] = msg
		}
		patch.Events = events
	}
	if in.Description != nil {
		if msg := checkDescription(*in.Description); msg != "" {
			fields["description"] = msg
		}
	}
	if len(fields) > 0 {
		return errValidation(fields)
	}
	ep, err := s.store.EndpointUpdate(r.Context(), apiActor(r), id, patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEndpointJSON(ep))
	return nil
}

func (s *Server) apiEndpointDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.EndpointDelete(r.Context(), apiActor(r), r.PathValue("endpointId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiEndpointSecretReveal(w http.ResponseWriter, r *http.Request) error {
	sec, err := s.store.EndpointRevealSecret(r.Context(), apiActor(r), r.PathValue("endpointId"))
	if err != nil {
		return err
	}
	var pending *string
	if sec.Pending != "" {
		pending = &sec.Pending
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Secret        string    `json:"secret"`
		PendingSecret *string   `json:"pendingSecret"`
		ActivatesAt   *jsonTime `json:"activatesAt"`
	}{sec.Active, pending, optTime(sec.ActivatesAt)})
	return nil
}

// maxActivateIn is the most activateInSeconds may be: 7 days.
const maxActivateIn = int64(store.MaxSecretDelay / time.Second)

func (s *Server) apiEndpointSecretRotate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("endpointId")
	if _, err := s.store.EndpointGet(r.Context(), id); err != nil {
		return err
	}
	var in struct {
		ActivateInSeconds *float64 `json:"activateInSeconds"`
	}
	if err := decodeOptionalJSON(w, r, &in); err != nil {
		return err
	}
	var delay time.Duration
	if n := in.ActivateInSeconds; n != nil {
		if *n != math.Trunc(*n) || *n < 0 || *n > float64(maxActivateIn) {
			return errValidation(map[string]string{"activateInSeconds": "must be a whole number of seconds from 0 to 604800 (7 days)"})
		}
		delay = time.Duration(*n) * time.Second
	}
	secret, at, err := s.store.EndpointRotateSecret(r.Context(), apiActor(r), id, delay)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Secret      string   `json:"secret"`
		ActivatesAt jsonTime `json:"activatesAt"`
	}{secret, jsonTime(at)})
	return nil
}

func (s *Server) apiEndpointSecretActivate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.store.EndpointActivateSecret(r.Context(), apiActor(r), r.PathValue("endpointId"))
	if errors.Is(err, store.ErrNoPendingSecret) {
		return &httpError{Status: http.StatusConflict, Code: "conflict", Message: "no secret is pending: rotate the secret first"}
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEndpointJSON(ep))
	return nil
}

func (s *Server) apiEndpointSecretDropPending(w http.ResponseWriter, r *http.Request) error {
	err := s.store.EndpointDropPendingSecret(r.Context(), apiActor(r), r.PathValue("endpointId"))
	if errors.Is(err, store.ErrNoPendingSecret) {
		return &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "no secret is pending"}
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
