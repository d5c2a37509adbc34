package mail_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testsmtp"
)

const from = "ClipCabinet Webhooks <webhooks@example.com>"

// mailEnv is the app's environment for sending to srv.
func mailEnv(srv *testsmtp.Server) map[string]string {
	return map[string]string{"CLIPCABINET_SMTP_URL": srv.URL(), "CLIPCABINET_MAIL_FROM": from}
}

// fixture is a test's SMTP server, app sending to it, and receiver: every
// delivery is answered with status (500 to begin with) at url.
type fixture struct {
	smtp   *testsmtp.Server
	app    *testapp.App
	status *atomic.Int32
	url    string
}

// setup starts the fixture; env adds to the app's environment, and
// smtpDown starts it with the SMTP server stopped (an outage).
func setup(t *testing.T, env map[string]string, smtpDown bool, o testapp.Options) fixture {
	t.Helper()
	f := fixture{smtp: testsmtp.Start(t), status: &atomic.Int32{}}
	if smtpDown {
		f.smtp.Stop()
	}
	o.Env = mailEnv(f.smtp)
	for k, v := range env {
		o.Env[k] = v
	}
	f.app = testapp.Start(t, o)
	f.status.Store(500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(f.status.Load()))
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/hook"
	return f
}

// sendTest sends a test event to the endpoint and waits until its
// delivery has ended (succeeded or failed).
func sendTest(t *testing.T, a *testapp.App, epID string) testapp.Delivery {
	t.Helper()
	var out struct{ DeliveryID string }
	a.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+epID+"/test", map[string]any{"event": "comment.added"}, &out)
	return a.WaitDelivery(t, out.DeliveryID, 30*time.Second, func(d testapp.Delivery) bool {
		return d.Status == "succeeded" || d.Status == "failed"
	})
}

// outbox is the state of every outbox row, oldest first.
type outboxRow struct {
	ID       int64
	Kind     string
	State    string
	Attempts int
	Error    string
}

func outbox(t *testing.T, a *testapp.App) []outboxRow {
	t.Helper()
	rows, err := a.Pool.Query(context.Background(),
		`SELECT m.id, n.kind, m.state, m.attempts, coalesce(m.last_error, '') FROM mail_outbox m JOIN notices n ON n.id = m.notice_id ORDER BY m.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.ID, &r.Kind, &r.State, &r.Attempts, &r.Error); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitOutbox polls the outbox until cond holds (a safety-net deadline,
// not a timing check).
func waitOutbox(t *testing.T, a *testapp.App, what string, cond func([]outboxRow) bool) []outboxRow {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows := outbox(t, a)
		if cond(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox: %s did not happen; rows: %+v", what, rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allSent(n int) func([]outboxRow) bool {
	return func(rows []outboxRow) bool {
		if len(rows) != n {
			return false
		}
		for _, r := range rows {
			if r.State != "sent" {
				return false
			}
		}
		return true
	}
}

// noticeKinds are the endpoint's notices' kinds, oldest first.
func noticeKinds(t *testing.T, a *testapp.App, epID string) []string {
	t.Helper()
	rows, err := a.Pool.Query(context.Background(), `SELECT kind FROM notices WHERE endpoint_id = $1 ORDER BY id`, epID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// saveEmail writes a received email to $WRITE_EMAILS/<kind>.eml, for the
// notes (nothing is written without the variable).
func saveEmail(t *testing.T, m testsmtp.Message) {
	dir := os.Getenv("WRITE_EMAILS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, m.Get("X-ClipCabinet-Notice")+".eml"), m.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkEmail checks what every notice email carries.
func checkEmail(t *testing.T, m testsmtp.Message, kind, to, endpointURL, epID string, want ...string) {
	t.Helper()
	if got := m.Get("X-ClipCabinet-Notice"); got != kind {
		t.Fatalf("email kind %q, want %q (subject %q)", got, kind, m.Get("Subject"))
	}
	if len(m.To) != 1 || m.To[0] != to {
		t.Errorf("%s: envelope to %v, want %s", kind, m.To, to)
	}
	if !strings.Contains(m.Get("Subject"), endpointURL) {
		t.Errorf("%s: subject %q does not name %s", kind, m.Get("Subject"), endpointURL)
	}
	if id := m.Get("Message-Id"); !strings.HasPrefix(id, "<outbox-") || !strings.HasSuffix(id, "@localhost>") {
		t.Errorf("%s: Message-ID %q, want <outbox-N@localhost>", kind, id)
	}
	unsub := m.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<http://localhost:8080/settings/notifications?") || !strings.Contains(unsub, "kind="+kind) {
		t.Errorf("%s: List-Unsubscribe %q", kind, unsub)
	}
	if m.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("%s: List-Unsubscribe-Post %q", kind, m.Get("List-Unsubscribe-Post"))
	}
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		for _, w := range append([]string{endpointURL, "http://localhost:8080/endpoints/" + epID,
			"http://localhost:8080/endpoints/" + epID + "/recover?from=", "http://localhost:8080/settings/notifications"}, want...) {
			if !strings.Contains(part.body, w) {
				t.Errorf("%s email's %s part lacks %q:\n%s", kind, part.name, w, part.body)
			}
		}
	}
}

// TestNoticeEmails follows one endpoint through its trouble with the short
// schedule: a 500 on every attempt is one "failing" email naming the URL
// and the code; a 410 disables it ("disabled", with the reason); enabled
// again, a success is "recovered"; three more failures within the hour
// are no second "failing" email (24-hour rule), though the endpoint is
// failing again.
func TestNoticeEmails(t *testing.T) {
	t.Parallel()
	f := setup(t, nil, false, testapp.Options{})
	smtp, a, status, url := f.smtp, f.app, f.status, f.url
	user := a.NewUser(t, "owner@example.com")
	ep := a.NewEndpoint(t, user, url)

	d := sendTest(t, a, ep.ID)
	if d.Status != "failed" || d.AttemptCount != 3 {
		t.Fatalf("delivery %+v, want failed after 3 attempts", d)
	}
	m := smtp.Wait(t, 1, 30*time.Second)[0]
	checkEmail(t, m, "failing", "owner@example.com", url, ep.ID,
		"HTTP 500 from your server", "failed all 3 of its automatic attempts", "1 failed delivery since")
	if !strings.Contains(m.Get("Subject"), "are failing") {
		t.Errorf("subject %q", m.Get("Subject"))
	}
	if got, err := m.AddressList("From"); err != nil || len(got) != 1 || got[0].String() != `"ClipCabinet Webhooks" <webhooks@example.com>` {
		t.Errorf("From %q (%v), want %s", m.Get("From"), err, from)
	}
	saveEmail(t, m)

	status.Store(http.StatusGone)
	sendTest(t, a, ep.ID) // the 410 disables the endpoint, which ends the delivery failed
	m = smtp.Wait(t, 2, 30*time.Second)[1]
	checkEmail(t, m, "disabled", "owner@example.com", url, ep.ID,
		"410 Gone", "HTTP 410 from your server", "2 failed deliveries since")
	saveEmail(t, m)

	status.Store(http.StatusOK)
	a.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"enabled": true}, nil)
	if d := sendTest(t, a, ep.ID); d.Status != "succeeded" {
		t.Fatalf("after re-enabling: delivery %+v", d)
	}
	m = smtp.Wait(t, 3, 30*time.Second)[2]
	checkEmail(t, m, "recovered", "owner@example.com", url, ep.ID, "your server answered HTTP 200", "2 failed deliveries since")
	saveEmail(t, m)

	status.Store(500)
	for range 3 {
		if d := sendTest(t, a, ep.ID); d.Status != "failed" {
			t.Fatalf("delivery %+v, want failed", d)
		}
	}
	// The notices are written with the completions just waited for, and
	// every outbox row is sent: nothing more can be on its way.
	waitOutbox(t, a, "3 emails sent", allSent(3))
	if got := len(smtp.Messages()); got != 3 {
		t.Fatalf("%d emails, want 3 (no second failing email within 24 hours)", got)
	}
	if got := strings.Join(noticeKinds(t, a, ep.ID), ","); got != "failing,disabled,recovered" {
		t.Fatalf("notices %s, want failing,disabled,recovered", got)
	}
	var failing bool
	if err := a.Pool.QueryRow(context.Background(), `SELECT failing_since IS NOT NULL FROM endpoints WHERE id = $1`, ep.ID).Scan(&failing); err != nil || !failing {
		t.Fatalf("endpoint failing again: %v, %v", failing, err)
	}
}

// TestNoticeEmailDisabling: the maintainer warns "will be disabled within
// 24 hours" once the endpoint met the health rule for the disable window
// less a day (half of a short window), and not twice.
func TestNoticeEmailDisabling(t *testing.T) {
	t.Parallel()
	f := setup(t, map[string]string{"CLIPCABINET_DISABLE_AFTER": "1h", "CLIPCABINET_DISABLE_MIN_FAILURES": "1"}, false, testapp.Options{})
	smtp, a, url := f.smtp, f.app, f.url
	f.status.Store(503)
	user := a.NewUser(t, "warned@example.com")
	ep := a.NewEndpoint(t, user, url)
	sendTest(t, a, ep.ID)
	smtp.Wait(t, 1, 30*time.Second) // failing
	// The endpoint has been enabled for 40 minutes: past half of the
	// hour's window (a warning), short of all of it (no disable yet).
	if _, err := a.Pool.Exec(context.Background(),
		`UPDATE endpoints SET created_at = created_at - interval '40 minutes' WHERE id = $1`, ep.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.Maintainer.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	m := smtp.Wait(t, 2, 30*time.Second)[1]
	checkEmail(t, m, "disabling", "warned@example.com", url, ep.ID, "will be disabled within 24 hours",
		"No delivery has succeeded for 30 minutes", "After 1 hour without a success", "HTTP 503 from your server")
	saveEmail(t, m)
	waitOutbox(t, a, "2 emails sent", allSent(2))
	if got := strings.Join(noticeKinds(t, a, ep.ID), ","); got != "failing,disabling" {
		t.Fatalf("notices %s, want failing,disabling (one warning for two rounds)", got)
	}
}

// TestMailOutage: notices raised while the SMTP server is down are all
// sent once it is back, each once; the tries and the last error are
// recorded meanwhile. (The outage is as long as it takes the outbox to
// record two failed tries of each; the backoff is short.)
func TestMailOutage(t *testing.T) {
	t.Parallel()
	f := setup(t, nil, true, testapp.Options{MailBackoff: func(n int) time.Duration { return time.Duration(n) * 30 * time.Millisecond }})
	smtp, a, url := f.smtp, f.app, f.url
	const endpoints = 3
	for i := range endpoints {
		user := a.NewUser(t, fmt.Sprintf("outage%d@example.com", i))
		ep := a.NewEndpoint(t, user, url)
		sendTest(t, a, ep.ID)
	}
	rows := waitOutbox(t, a, "two failed tries of each email", func(rows []outboxRow) bool {
		if len(rows) != endpoints {
			return false
		}
		for _, r := range rows {
			if r.Attempts < 2 || r.State == "sent" {
				return false
			}
		}
		return true
	})
	for _, r := range rows {
		if r.State != "retrying" || !strings.Contains(r.Error, "connect") && !strings.Contains(r.Error, "refused") {
			t.Errorf("during the outage: %+v, want retrying with the connection error", r)
		}
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d emails during the outage", n)
	}
	smtp.Restart()
	waitOutbox(t, a, "every email sent", allSent(endpoints))
	checkOnce(t, smtp.Messages(), endpoints)
}

// TestMailAcceptedThenHangUp: the server accepts the email (250 after
// DATA) and the connection drops before the session ends (the client's
// RSET meets a closed connection). The email was sent: it is recorded
// sent after that one try, with no error, and not sent again. It used to
// be recorded as a failed try and sent a second time after the backoff.
func TestMailAcceptedThenHangUp(t *testing.T) {
	t.Parallel()
	f := setup(t, nil, false, testapp.Options{MailBackoff: func(int) time.Duration { return 30 * time.Millisecond }})
	f.smtp.HangUpAfterData(true)
	user := f.app.NewUser(t, "hangup@example.com")
	sendTest(t, f.app, f.app.NewEndpoint(t, user, f.url).ID)
	rows := waitOutbox(t, f.app, "the email tried", func(rows []outboxRow) bool {
		return len(rows) == 1 && rows[0].Attempts >= 1 && (rows[0].State == "sent" || rows[0].State == "retrying")
	})
	if r := rows[0]; r.State != "sent" || r.Attempts != 1 || r.Error != "" {
		t.Errorf("after the server accepted it and hung up: %+v, want sent after one try, no error", r)
	}
	checkOnce(t, f.smtp.Messages(), 1)
}

// checkOnce fails unless there are exactly n emails, with n Message-IDs.
func checkOnce(t *testing.T, msgs []testsmtp.Message, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range msgs {
		id := m.Get("Message-Id")
		if seen[id] {
			t.Errorf("email %s sent twice", id)
		}
		seen[id] = true
	}
	if len(msgs) != n {
		t.Fatalf("%d emails, want %d", len(msgs), n)
	}
}

// TestMailAfterRestart: emails a server could not send (its SMTP server
// down) are sent once by the next server on the database.
func TestMailAfterRestart(t *testing.T) {
	t.Parallel()
	backoff := func(n int) time.Duration { return 200 * time.Millisecond }
	f := setup(t, nil, true, testapp.Options{MailBackoff: backoff})
	smtp, a, url := f.smtp, f.app, f.url
	for i := range 2 {
		user := a.NewUser(t, fmt.Sprintf("restart%d@example.com", i))
		sendTest(t, a, a.NewEndpoint(t, user, url).ID)
	}
	waitOutbox(t, a, "a failed try of each email", func(rows []outboxRow) bool {
		return len(rows) == 2 && rows[0].Attempts >= 1 && rows[1].Attempts >= 1 && rows[0].State == "retrying" && rows[1].State == "retrying"
	})
	a.Stop()

	smtp.Restart()
	env := mailEnv(smtp)
	env["DATABASE_URL"] = a.DBURL
	b := testapp.Start(t, testapp.Options{Env: env, MailBackoff: backoff})
	waitOutbox(t, b, "every email sent by the new server", allSent(2))
	checkOnce(t, smtp.Messages(), 2)
}

// TestNoticeEmailTurnedOff: a kind the owner turned off sends no email,
// though the notice is kept (email "off"); the kinds left on still send.
func TestNoticeEmailTurnedOff(t *testing.T) {
	t.Parallel()
	f := setup(t, nil, false, testapp.Options{})
	smtp, a, status, url := f.smtp, f.app, f.status, f.url
	user := a.NewUser(t, "quiet@example.com")
	if err := a.Store.NoticeSetOptouts(context.Background(), user, []string{"failing"}); err != nil {
		t.Fatal(err)
	}
	ep := a.NewEndpoint(t, user, url)
	sendTest(t, a, ep.ID)
	status.Store(http.StatusGone)
	sendTest(t, a, ep.ID)
	m := smtp.Wait(t, 1, 30*time.Second)[0]
	checkEmail(t, m, "disabled", "quiet@example.com", url, ep.ID)
	waitOutbox(t, a, "the one email sent", allSent(1))
	var email string
	if err := a.Pool.QueryRow(context.Background(), `SELECT email FROM notices WHERE endpoint_id = $1 AND kind = 'failing'`, ep.ID).Scan(&email); err != nil || email != "off" {
		t.Fatalf("the failing notice: email %q (%v), want off", email, err)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d emails, want only the disabled one", n)
	}
}
