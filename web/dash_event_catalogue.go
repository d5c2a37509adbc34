package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// dashEventCatalogue is the event catalogue: each event type's meaning,
// its schema read from the contract table (webhook.Catalogue) and the
// example the test-event form starts from, with the viewer's ids.
func (s *Server) dashEventCatalogue(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	v := views.CatalogueView{Envelope: schemaFields(webhook.Envelope())}
	for _, doc := range webhook.Catalogue() {
		e := views.CatalogueEvent{Type: doc.Type, Meaning: doc.Meaning, Fields: schemaFields(doc.Fields), Example: testExample(doc.Type, u.ID)}
		for _, f := range doc.Fields {
			if prefix, ok := webhook.TestIDs[f.Path]; ok {
				e.TestIDs = append(e.TestIDs, views.TestID{Field: f.Path, Prefix: prefix})
			}
		}
		v.Events = append(v.Events, e)
	}
	return s.render(w, r, http.StatusOK, views.CataloguePage(s.chrome(r, "Event catalogue", "events"), v))
}

func schemaFields(docs []webhook.FieldDoc) []views.SchemaField {
	out := make([]views.SchemaField, len(docs))
	for i, d := range docs {
		out[i] = views.SchemaField{Path: d.Path, Depth: d.Depth, Type: d.Type, Rule: d.Rule}
	}
	return out
}
