package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/web"
)

func server(app *testapp.App) *web.Server { return app.Server.Config.Handler.(*web.Server) }

// burst sends n requests at once and counts the answers by status.
func burst(t *testing.T, app *testapp.App, n int, form func(i int) (string, url.Values)) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, f := form(i)
			c := newClient(t, app)
			<-start
			p := c.post(path, f)
			mu.Lock()
			got[p.Status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// TestLoginBurstIsCountedBeforeHashing: simultaneous guesses cannot get
// past a limit by all being checked before any failure is counted.
func TestLoginBurstIsCountedBeforeHashing(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "target@example.com")
	// Room for every check to wait its turn, however slow the machine:
	// what is counted here is how many are checked, not how fast.
	server(app).SetHasher(auth.NewHasher(0, 100, time.Hour))

	got := burst(t, app, 15, func(int) (string, url.Values) {
		return "/login", url.Values{"email": {"target@example.com"}, "password": {"wrong password!"}}
	})
	if got[http.StatusUnauthorized] != auth.MaxFailuresPerPair || got[http.StatusTooManyRequests] != 15-auth.MaxFailuresPerPair {
		t.Fatalf("15 simultaneous guesses at one account: %v, want %d checked and the rest 429", got, auth.MaxFailuresPerPair)
	}

	got = burst(t, app, 30, func(i int) (string, url.Values) {
		return "/login", url.Values{"email": {"nobody" + strconv.Itoa(i) + "@example.com"}, "password": {"wrong password!"}}
	})
	// The address already has 5 failures from above.
	if want := auth.MaxFailuresPerAddress - auth.MaxFailuresPerPair; got[http.StatusUnauthorized] != want || got[http.StatusTooManyRequests] != 30-want {
		t.Fatalf("30 simultaneous wrong logins from one address: %v, want %d checked and the rest 429", got, want)
	}
}

// TestSignupIsThrottledAndChecksDuplicatesBeforeHashing: a sign-up for a
// taken email costs no hash, and one address gets a few sign-ups an hour.
func TestSignupIsThrottledAndChecksDuplicatesBeforeHashing(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newClient(t, app).signUp("taken@example.com")
	before := server(app).Hasher().Hashes()
	c := newClient(t, app)
	p := c.post("/signup", url.Values{"email": {"taken@example.com"}, "password": {testPassword}}).status(http.StatusUnprocessableEntity)
	p.one(`[data-testid="signup-email-error"]`)
	if n := server(app).Hasher().Hashes() - before; n != 0 {
		t.Fatalf("a sign-up for a taken email ran %d password hashes", n)
	}
	// taken@ was the first attempt from this address, the duplicate the
	// second; the limit's remaining attempts pass, the next is refused.
	for i := range auth.MaxSignupsPerAddress - 2 {
		c.post("/signup", url.Values{"email": {"taken@example.com"}, "password": {testPassword + strconv.Itoa(i)}}).status(http.StatusUnprocessableEntity)
	}
	p = c.post("/signup", url.Values{"email": {"new@example.com"}, "password": {testPassword}}).status(http.StatusTooManyRequests)
	p.one(`[data-testid="signup-error"]`)
}

// TestPasswordChecksBeyondTheQueueAre503: when the hasher has no room, a
// login and a sign-up answer 503 at once, with the form and a message,
// and the attempt does not count against the user.
func TestPasswordChecksBeyondTheQueueAre503(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "busy@example.com")
	h := auth.NewHasher(1, 0, 0)
	server(app).SetHasher(h)
	release, err := h.Acquire(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, app)
	for range auth.MaxFailuresPerPair + 1 {
		p := c.logIn("busy@example.com", testPassword).status(http.StatusServiceUnavailable)
		p.one(`[data-testid="login-error"]`)
	}
	p := c.post("/signup", url.Values{"email": {"busy2@example.com"}, "password": {testPassword}}).status(http.StatusServiceUnavailable)
	p.one(`[data-testid="signup-error"]`)
	release()
	c.logIn("busy@example.com", testPassword).status(http.StatusSeeOther)
}
