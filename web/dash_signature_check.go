package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashSignatureCheck answers the endpoint page's signature checker: which
// case a pasted body and signature are, inline, never a secret.
func (s *Server) dashSignatureCheck(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	v := views.SigCheckView{EndpointID: ep.ID, Body: r.PostFormValue("body"), Signature: r.PostFormValue("signature")}
	sec, err := s.store.EndpointSigningSecrets(ep)
	if err != nil {
		return err
	}
	res := checkSignature(sec, v.Body, v.Signature)
	v.Result = &res
	if isHTMX(r) {
		return s.render(w, r, http.StatusOK, views.SignatureCheck(v))
	}
	page := s.endpointView(ep)
	page.SigCheck = v
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, page)
}
