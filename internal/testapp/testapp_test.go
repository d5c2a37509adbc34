package testapp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestDeliveryArrives is the smoke test of the whole path: publish a test
// event through the API, a real receiver gets it, the delivery succeeds.
func TestDeliveryArrives(t *testing.T) {
	t.Parallel()
	var got atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		got.Add(1)
	}))
	defer recv.Close()
	app := testapp.Start(t, testapp.Options{})
	user := app.NewUser(t, "smoke@example.com")
	ep := app.NewEndpoint(t, user, recv.URL+"/hook")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "comment.added"}, &out)
	d := app.WaitDelivery(t, out.DeliveryID, 5*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
	if got.Load() != 1 || d.AttemptCount != 1 || *d.LastStatusCode != 200 {
		t.Fatalf("receiver got %d requests; delivery %+v", got.Load(), d)
	}
}
