package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// The seeded accounts have fixed ids and emails, so that a measurement run
// apart from the seeding (against a server started in between) finds them.
const (
	listsUserFmt    = "user_lists_%03d"
	listsEmailFmt   = "lists-%03d@example.com"
	listsAdminID    = "user_lists_admin"
	listsAdminEmail = "lists-admin@example.com"
)

// lists measures the lists a person waits for (the API's delivery lists,
// the dashboard's drawer and the admin's failed list) on a large store.
//
// With --seed it first writes --deliveries deliveries straight into the
// database: a few big INSERT ... SELECT statements, not the API, so a
// million take a minute or two rather than an hour. Users and endpoints are
// made through the store as the product makes them (sealed secrets), with
// fixed ids and a known password, so that a later run can log in.
//
// With --api it then times real HTTP requests against a running server,
// sequentially, each query type in turn so that all of them see the same
// load (--n each, or fewer, at least --min, for a type that has taken
// --budget), and prints one line per query type:
//
//	lists: <name> p50 X ms p99 Y ms (n)
func lists(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lists", flag.ContinueOnError)
	doSeed := fs.Bool("seed", false, "seed the deliveries first")
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL (for --seed)")
	n := fs.Int("deliveries", 1000000, "deliveries to seed")
	users := fs.Int("users", 100, "users to seed")
	perUser := fs.Int("endpoints-per-user", 5, "endpoints per user; every event goes to all of its user's endpoints")
	days := fs.Int("days", 30, "deliveries spread over this many days back from now")
	batch := fs.Int("batch", 100000, "deliveries per INSERT statement")
	hookURL := fs.String("url", "http://127.0.0.1:9100/hook", "the seeded endpoints' URL")
	receiverURL := fs.String("receiver", "", "receiver to tell the seeded endpoints' secrets to (none when empty)")
	password := fs.String("password", "lists-bench-password", "the seeded users' dashboard password")
	api := fs.String("api", "", "the running service to measure (nothing is measured when empty)")
	token := fs.String("token", "", "API token")
	var o listsOptions
	fs.IntVar(&o.count, "n", 200, "timed requests per query type")
	fs.IntVar(&o.warmup, "warmup", 10, "untimed requests per query type first")
	fs.DurationVar(&o.budget, "budget", 4*time.Second, "time per query type after which it stops at --min requests")
	fs.IntVar(&o.minimum, "min", 50, "timed requests per query type however slow")
	sample := fs.Int("sample-users", 10, "users whose lists the per-user queries take turns on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*doSeed && *api == "" {
		return errors.New("lists: nothing to do: give --seed, --api or both")
	}
	if *doSeed {
		cfg := listsSeedConfig{
			deliveries: *n, users: *users, perUser: *perUser, span: time.Duration(*days) * 24 * time.Hour,
			batch: *batch, url: *hookURL, receiver: *receiverURL, password: *password,
		}
		if err := listsSeed(ctx, *dbURL, cfg, stdout); err != nil {
			return err
		}
	}
	if *api == "" {
		return nil
	}
	m := &listsMeasure{api: strings.TrimSuffix(*api, "/"), token: *token, password: *password, sampleUsers: min(*sample, *users)}
	return m.run(ctx, o, stdout)
}

// listsOptions is how many requests a measurement makes.
type listsOptions struct {
	count, warmup, minimum int
	budget                 time.Duration
}

type listsSeedConfig struct {
	deliveries, users, perUser, batch int
	span                              time.Duration
	url, receiver, password           string
}

// listsSeedSQL writes one batch: events $1 to $2 - 1 of $3 in all, each
// fanned out to every endpoint of its user (as a publish to endpoints
// subscribed to every type does), stopping at $4 deliveries. Every random
// choice is drawn once, in a MATERIALIZED CTE, and the five tables are
// written from those rows, so they agree with one another:
//
//   - statuses ~97 % succeeded, 2 % failed, 1 % retrying;
//   - a succeeded delivery has its one successful attempt; a failed or
//     retrying one has 1 to 3 failed attempts;
//   - a retrying one has a queue row due 1 to 6 hours from now, so the
//     dispatcher leaves it alone while the lists are measured; the others
//     have none, as after their last attempt;
//   - created_at rises with the event number, as rows written over time do
//     (the table's physical order follows time, as in a real store).
//
// $5 salt (ids differ between runs), $6 user ids, $7 endpoint ids (user
// major), $8 first created_at, $9 span in seconds, $10 now, $11 event
// types, $12 body templates per type (@@D@@ delivery id, @@U@@ user id,
// @@R@@ recording id, @@T@@ occurredAt), $13 endpoints per user.
const listsSeedSQL = `
WITH g AS MATERIALIZED (
    SELECT e, random() AS r1, random() AS r2, random() AS r3
    FROM generate_series($1::int, $2::int - 1) AS e
), ev AS MATERIALIZED (
    SELECT e,
           'evt_' || substr(md5($5 || ':e:' || e), 1, 16) AS id,
           floor(r1 * cardinality($6::text[]))::int AS u,
           CASE WHEN r2 < 0.50 THEN 1 WHEN r2 < 0.65 THEN 2 ELSE 3 END AS t,
           'cm' || substr(md5($5 || ':r:' || e), 1, 23) AS rec,
           $8::timestamptz + make_interval(secs => $9::float8 * (e + r3) / $3::int) AS at
    FROM g
), g2 AS MATERIALIZED (
    SELECT ev.*, j, ev.e * ($13::int) + j AS k,
           random() AS s1, random() AS s2, random() AS s3
    FROM ev
    CROSS JOIN generate_series(0, $13::int - 1) AS j
    WHERE ev.e * ($13::int) + j < $4::int
), dl AS MATERIALIZED (
    SELECT 'del_' || substr(md5($5 || ':d:' || k), 1, 16) AS id, g2.id AS event_id,
           ($7::text[])[u * ($13::int) + j + 1] AS endpoint_id,
           ($6::text[])[u + 1] AS user_id, ($11::text[])[t] AS event_type, t, rec, at,
           CASE WHEN s1 < 0.97 THEN 'succeeded' WHEN s1 < 0.99 THEN 'failed' ELSE 'retrying' END AS status,
           CASE WHEN s1 < 0.97 THEN 1 ELSE 1 + floor(s2 * 3)::int END AS tries,
           $10::timestamptz + make_interval(secs => 3600 + s3 * 5 * 3600) AS next_at
    FROM g2
), ins_events AS (
    INSERT INTO events (id, user_id, type, recording_id, occurred_at, created_at)
    SELECT ev.id, ($6::text[])[u + 1], ($11::text[])[t], CASE WHEN t < 3 THEN rec END, at, at FROM ev
), ins_deliveries AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, status, attempt_count, auto_attempts,
                            next_attempt_at, last_status_code, failure_reason, created_at, completed_at)
    SELECT id, event_id, endpoint_id, user_id, event_type, status, tries, tries,
           CASE WHEN status = 'retrying' THEN next_at END,
           CASE status WHEN 'succeeded' THEN 200 WHEN 'failed' THEN 500 ELSE 503 END,
           NULL, at,
           CASE status WHEN 'succeeded' THEN at + interval '120 ms'
                       WHEN 'failed' THEN least(at + tries * interval '10 minutes', $10::timestamptz) END
    FROM dl
), ins_payloads AS (
    INSERT INTO payloads (delivery_id, body, created_at)
    SELECT id, convert_to(replace(replace(replace(replace(($12::text[])[t], '@@D@@', id), '@@U@@', user_id), '@@R@@', rec),
                                  '@@T@@', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 'UTF8'),
           at
    FROM dl
), ins_attempts AS (
    INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, response_body)
    SELECT id, a, 'automatic', least(at + (a - 1) * interval '5 minutes', $10::timestamptz), 40 + a * 7,
           CASE WHEN status = 'succeeded' THEN 200 WHEN status = 'failed' THEN 500 ELSE 503 END,
           CASE WHEN status = 'succeeded' THEN 'success' ELSE 'http_error' END,
           CASE WHEN status = 'succeeded' THEN convert_to('ok', 'UTF8') ELSE convert_to('upstream unavailable', 'UTF8') END
    FROM dl CROSS JOIN LATERAL generate_series(1, dl.tries) AS a
), ins_queue AS (
    INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, event_id, status, attempt_count, auto_attempts, next_attempt_at)
    SELECT id, endpoint_id, next_at, event_id, status, tries, tries, next_at FROM dl WHERE status = 'retrying'
)
SELECT count(*), count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'retrying'),
       coalesce(sum(tries), 0)
FROM dl`

// bodyTemplate is the body a publish of event would store, with
// placeholders for what differs per delivery.
func bodyTemplate(event string) string {
	at := time.Date(2001, 2, 3, 4, 5, 6, 789e6, time.UTC)
	body := string(webhook.RenderBody(event, "@@D@@", at, webhook.SampleData(event, "@@U@@")))
	body = strings.Replace(body, at.Format(webhook.TimeFormat), "@@T@@", 1)
	var d struct {
		RecordingID string `json:"recordingId"`
	}
	var env struct{ Data json.RawMessage }
	if json.Unmarshal([]byte(body), &env) == nil && json.Unmarshal(env.Data, &d) == nil && d.RecordingID != "" {
		body = strings.ReplaceAll(body, d.RecordingID, "@@R@@")
	}
	return body
}

func listsSeed(ctx context.Context, dbURL string, c listsSeedConfig, stdout io.Writer) error {
	start := time.Now()
	if c.deliveries < 1 || c.users < 1 || c.perUser < 1 || c.batch < c.perUser || c.span < 2*time.Hour {
		return errors.New("lists: --deliveries, --users and --endpoints-per-user must be positive, --batch at least the fan-out, --days at least 1")
	}
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Pool.Close()
	pool := st.Pool
	hash, err := auth.HashPassword(c.password)
	if err != nil {
		return err
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: listsAdminID, Email: listsAdminEmail, Name: "Lists admin", PasswordHash: &hash, Admin: true}); err != nil {
		return fmt.Errorf("lists: admin (seeded already? use a fresh database): %w", err)
	}
	var userIDs, epIDs []string
	for u := range c.users {
		usr, err := st.UserCreate(ctx, store.NewUser{
			ID: fmt.Sprintf(listsUserFmt, u), Email: fmt.Sprintf(listsEmailFmt, u),
			Name: fmt.Sprintf("Lists user %d", u), PasswordHash: &hash,
		})
		if err != nil {
			return err
		}
		userIDs = append(userIDs, usr.ID)
		for range c.perUser {
			ep, secret, err := st.EndpointCreate(ctx, store.Actor{ID: "system"}, store.NewEndpoint{
				UserID: usr.ID, URL: c.url, Events: webhook.EventTypes, Enabled: true,
			})
			if err != nil {
				return err
			}
			epIDs = append(epIDs, ep.ID)
			if c.receiver != "" {
				resp, err := http.Post(c.receiver+"/control/secret", "text/plain", strings.NewReader(secret))
				if err != nil {
					return fmt.Errorf("receiver: %w", err)
				}
				resp.Body.Close()
			}
		}
	}
	// The accounts predate their deliveries, as they would. (Endpoints
	// older than the health check's window are judged by it: every seeded
	// endpoint has recent successes, so none is disabled.)
	now := time.Now().UTC()
	if _, err := pool.Exec(ctx, `UPDATE users SET created_at = $2 WHERE id = ANY($1::text[])`,
		append(slices.Clone(userIDs), listsAdminID), now.Add(-c.span-24*time.Hour)); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `UPDATE endpoints SET created_at = $2, updated_at = $2 WHERE user_id = ANY($1::text[])`,
		userIDs, now.Add(-c.span-24*time.Hour)); err != nil {
		return err
	}

	// Deliveries from span ago to now, less an hour at the old end: the
	// server's retention (30 days by default) would otherwise start clearing
	// the oldest bodies while the lists are measured.
	span := c.span - time.Hour
	first := now.Add(-span)
	events := (c.deliveries + c.perUser - 1) / c.perUser
	perBatch := c.batch / c.perUser
	var templates []string
	for _, e := range webhook.EventTypes {
		templates = append(templates, bodyTemplate(e))
	}
	salt := webhook.NewID("")
	var total, failed, retrying, attempts int64
	for lo := 0; lo < events; lo += perBatch {
		hi := min(lo+perBatch, events)
		var d, f, r, a int64
		if err := pool.QueryRow(ctx, listsSeedSQL, lo, hi, events, c.deliveries, salt, userIDs, epIDs,
			first, span.Seconds(), now, webhook.EventTypes, templates, c.perUser).Scan(&d, &f, &r, &a); err != nil {
			return fmt.Errorf("lists: seed events %d-%d: %w", lo, hi, err)
		}
		total, failed, retrying, attempts = total+d, failed+f, retrying+r, attempts+a
		fmt.Fprintf(os.Stderr, "lists: seeded %d of %d deliveries (%.0f s)\n", total, c.deliveries, time.Since(start).Seconds())
	}
	// The endpoint health rollup the dispatcher keeps as it records
	// attempts; these were written directly.
	if _, err := st.RebuildHealth(ctx, first.Add(-time.Hour)); err != nil {
		return fmt.Errorf("lists: endpoint health: %w", err)
	}
	// A store that has been running is vacuumed (visibility map set, so
	// index-only scans need no heap visits) and analyzed; a bulk load is
	// neither until autovacuum gets to it, which it would do during the
	// measurement. The checkpoint writes the load out now rather than then
	// (it needs superuser or pg_checkpoint: skipped without).
	for _, t := range []string{"deliveries", "delivery_queue", "events", "payloads", "attempts", "endpoints", "users", "endpoint_health"} {
		if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return fmt.Errorf("lists: vacuum %s: %w", t, err)
		}
	}
	if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintln(os.Stderr, "lists: no checkpoint after seeding:", err)
	}
	fmt.Fprintf(stdout, "lists: seeded %d deliveries (%d failed, %d retrying, %d attempts) of %d events over %d endpoints of %d users in %.1f s\n",
		total, failed, retrying, attempts, events, len(epIDs), len(userIDs), time.Since(start).Seconds())
	return nil
}

// listsMeasure times the lists against a running server.
type listsMeasure struct {
	api, token, password string
	sampleUsers          int

	apiClient   *http.Client
	ownerClient *http.Client // logged in as the first seeded user: the drawer is the owner's
	adminClient *http.Client // logged in as the admin
}

// listsQuery is one kind of list request. It takes turns over urls
// (several endpoints or users) so that it does not read one list from
// cache over and over.
type listsQuery struct {
	name   string
	client *http.Client
	urls   []string
	check  func(body []byte) error
	lat    []float64     // ms, the timed requests
	spent  time.Duration // on the timed requests
}

func (m *listsMeasure) run(ctx context.Context, o listsOptions, stdout io.Writer) error {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: noRedirect}
	}
	m.apiClient, m.ownerClient, m.adminClient = newClient(), newClient(), newClient()
	if err := m.login(ctx, m.ownerClient, fmt.Sprintf(listsEmailFmt, 0)); err != nil {
		return err
	}
	if err := m.login(ctx, m.adminClient, listsAdminEmail); err != nil {
		return err
	}

	owner := fmt.Sprintf(listsUserFmt, 0)
	var epList struct{ Data []struct{ ID string } }
	if err := m.getJSON(ctx, "/api/v1/users/"+owner+"/endpoints", &epList); err != nil {
		return err
	}
	eps := epList.Data
	if len(eps) == 0 {
		return fmt.Errorf("lists: %s has no endpoints: seed first", owner)
	}
	var users []string
	for u := range m.sampleUsers {
		users = append(users, fmt.Sprintf(listsUserFmt, u))
	}

	// Cursors: the second page and the last page of each endpoint (API),
	// the second page of each drawer, and of the admin's failed list.
	var page2, deep, drawer2 []string
	for _, ep := range eps {
		base := "/api/v1/deliveries?endpointId=" + ep.ID
		cursor, pages := "", 0
		for {
			var p struct {
				Data       []json.RawMessage
				NextCursor *string
			}
			u := base
			if cursor != "" {
				u += "&cursor=" + url.QueryEscape(cursor)
			}
			if err := m.getJSON(ctx, u, &p); err != nil {
				return err
			}
			if cursor != "" && pages == 1 {
				page2 = append(page2, u)
			}
			if p.NextCursor == nil {
				if cursor != "" {
					deep = append(deep, u)
				}
				break
			}
			cursor, pages = *p.NextCursor, pages+1
		}
		c, err := m.htmlCursor(ctx, m.ownerClient, "/endpoints/"+ep.ID+"/deliveries")
		if err != nil {
			return err
		}
		drawer2 = append(drawer2, "/endpoints/"+ep.ID+"/deliveries?cursor="+url.QueryEscape(c))
	}
	adminCursor, err := m.htmlCursor(ctx, m.adminClient, "/admin/deliveries?status=failed")
	if err != nil {
		return err
	}
	// Recording ids for the admin's search: from failed recording.failed
	// deliveries' payloads, one per user measured.
	var recordings []string
	for _, u := range users {
		var p struct{ Data []struct{ ID string } }
		if err := m.getJSON(ctx, "/api/v1/deliveries?limit=1&status=failed&event=recording.failed&userId="+u, &p); err != nil {
			return err
		}
		if len(p.Data) == 0 {
			continue
		}
		body, err := m.get(ctx, m.apiClient, "/api/v1/deliveries/"+p.Data[0].ID)
		if err != nil {
			return err
		}
		if _, rest, ok := strings.Cut(string(body), `recordingId\":\"`); ok {
			if end := strings.Index(rest, `\"`); end > 0 {
				recordings = append(recordings, rest[:end])
			}
		}
	}
	if len(recordings) == 0 {
		return errors.New("lists: no recording id found in failed recording.failed payloads")
	}
	if len(page2) == 0 || len(deep) == 0 {
		return errors.New("lists: the endpoints hold fewer than three API pages: seed more deliveries")
	}

	each := func(format string, ids []string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, fmt.Sprintf(format, id))
		}
		return out
	}
	var epIDs []string
	for _, ep := range eps {
		epIDs = append(epIDs, ep.ID)
	}
	apiRows := func(body []byte) error {
		var p struct{ Data []json.RawMessage }
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		if len(p.Data) == 0 {
			return errors.New("no deliveries in the page")
		}
		return nil
	}
	htmlRows := func(body []byte) error {
		if !strings.Contains(string(body), `data-testid="delivery-row"`) {
			return errors.New("no deliveries on the page")
		}
		return nil
	}
	// Needs attention is the page, groups or the empty state: which one
	// depends on where the seeded failures fell.
	attention := func(body []byte) error {
		if !strings.Contains(string(body), `data-testid="attention-group"`) && !strings.Contains(string(body), `data-testid="attention-empty"`) {
			return errors.New("not the Needs attention page")
		}
		return nil
	}
	pageRows := func(testid string) func([]byte) error {
		return func(body []byte) error {
			if !strings.Contains(string(body), `data-testid="`+testid+`"`) {
				return fmt.Errorf("no %s on the page", testid)
			}
			return nil
		}
	}
	queries := []*listsQuery{
		{name: "endpoints list", client: m.ownerClient, urls: []string{"/endpoints"}, check: pageRows("sparkline")},
		{name: "endpoint page", client: m.ownerClient, urls: each("/endpoints/%s", epIDs), check: pageRows("health-chart")},
		{name: "api endpoint", client: m.apiClient, urls: each("/api/v1/deliveries?endpointId=%s", epIDs), check: apiRows},
		{name: "api endpoint failed", client: m.apiClient, urls: each("/api/v1/deliveries?endpointId=%s&status=failed", epIDs), check: apiRows},
		{name: "api endpoint comment.added", client: m.apiClient, urls: each("/api/v1/deliveries?endpointId=%s&event=comment.added", epIDs), check: apiRows},
		{name: "api endpoint page 2", client: m.apiClient, urls: page2, check: apiRows},
		{name: "api endpoint last page", client: m.apiClient, urls: deep, check: apiRows},
		{name: "api user", client: m.apiClient, urls: each("/api/v1/deliveries?userId=%s", users), check: apiRows},
		{name: "api user failed", client: m.apiClient, urls: each("/api/v1/deliveries?userId=%s&status=failed", users), check: apiRows},
		{name: "drawer", client: m.ownerClient, urls: each("/endpoints/%s/deliveries", epIDs), check: htmlRows},
		{name: "drawer failed", client: m.ownerClient, urls: each("/endpoints/%s/deliveries?status=failed", epIDs), check: htmlRows},
		{name: "drawer comment.added", client: m.ownerClient, urls: each("/endpoints/%s/deliveries?event=comment.added", epIDs), check: htmlRows},
		{name: "drawer page 2", client: m.ownerClient, urls: drawer2, check: htmlRows},
		{name: "admin failed", client: m.adminClient, urls: []string{"/admin/deliveries?status=failed"}, check: htmlRows},
		{name: "admin failed page 2", client: m.adminClient, urls: []string{"/admin/deliveries?status=failed&cursor=" + url.QueryEscape(adminCursor)}, check: htmlRows},
		{name: "admin failed comment.added", client: m.adminClient, urls: []string{"/admin/deliveries?status=failed&event=comment.added"}, check: htmlRows},
		{name: "admin failed by user", client: m.adminClient, urls: each("/admin/deliveries?status=failed&user=%s", users), check: htmlRows},
		{name: "admin retrying", client: m.adminClient, urls: []string{"/admin/deliveries?status=retrying"}, check: htmlRows},
		{name: "admin all", client: m.adminClient, urls: []string{"/admin/deliveries?status=any"}, check: htmlRows},
		{name: "admin all by user", client: m.adminClient, urls: each("/admin/deliveries?status=any&user=%s", users), check: htmlRows},
		{name: "admin all comment.added", client: m.adminClient, urls: []string{"/admin/deliveries?status=any&event=comment.added"}, check: htmlRows},
		{name: "admin failed search recording", client: m.adminClient, urls: each("/admin/deliveries?status=failed&q=%s", recordings), check: htmlRows},
		{name: "admin all search recording", client: m.adminClient, urls: each("/admin/deliveries?status=any&q=%s", recordings), check: htmlRows},
		{name: "admin needs attention", client: m.adminClient, urls: []string{"/admin/attention"}, check: attention},
		{name: "admin needs attention by host", client: m.adminClient, urls: []string{"/admin/attention?by=host"}, check: attention},
	}

	// Turns: every query once per round, so a stall or a burst of load
	// falls on all of them alike. The warm-up rounds check the answers
	// (and leave the server's connections with the plans they keep: pgx
	// prepares each statement, and PostgreSQL switches a prepared statement
	// to its generic plan after five executions). A query type that has
	// spent its budget stops once it has minimum samples, so that one slow
	// query cannot stretch the run (and the load it runs under).
	start := time.Now()
	requests := 0
	for round := 0; ; round++ {
		busy := false
		for _, q := range queries {
			warm := round < o.warmup
			if !warm && (len(q.lat) >= o.count || q.spent >= o.budget && len(q.lat) >= o.minimum) {
				continue
			}
			busy = true
			u := q.urls[round%len(q.urls)]
			t0 := time.Now()
			body, err := m.get(ctx, q.client, u)
			took := time.Since(t0)
			requests++
			if err != nil {
				return fmt.Errorf("lists: %s: %w", q.name, err)
			}
			if warm {
				if err := q.check(body); err != nil {
					return fmt.Errorf("lists: %s: GET %s: %w", q.name, u, err)
				}
				continue
			}
			q.spent += took
			q.lat = append(q.lat, float64(took.Microseconds())/1000)
		}
		if !busy {
			break
		}
	}
	for _, q := range queries {
		slices.Sort(q.lat)
		fmt.Fprintf(stdout, "lists: %s p50 %.2f ms p99 %.2f ms (%d)\n", q.name, pct(q.lat, 0.5), pct(q.lat, 0.99), len(q.lat))
	}
	fmt.Fprintf(stdout, "lists: %d query types, %d requests in %.1f s\n", len(queries), requests, time.Since(start).Seconds())
	return nil
}

// login posts the dashboard's login form; the session cookie lands in the
// client's jar. The form is refused cross-origin only when the request says
// it is (Origin, Sec-Fetch-Site), which a Go client does not.
func (m *listsMeasure) login(ctx context.Context, c *http.Client, email string) error {
	form := url.Values{"email": {email}, "password": {m.password}, "next": {"/endpoints"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", m.api+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("lists: log in as %s: %s (seeded with another --password?)", email, resp.Status)
	}
	return nil
}

func (m *listsMeasure) get(ctx context.Context, c *http.Client, path string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", m.api+path, nil)
	if c == m.apiClient {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %.200s", path, resp.Status, body)
	}
	return body, nil
}

func (m *listsMeasure) getJSON(ctx context.Context, path string, out any) error {
	body, err := m.get(ctx, m.apiClient, path)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, out)
}

// htmlCursor is the cursor of a dashboard page's next-page link.
func (m *listsMeasure) htmlCursor(ctx context.Context, c *http.Client, path string) (string, error) {
	body, err := m.get(ctx, c, path)
	if err != nil {
		return "", err
	}
	_, rest, ok := strings.Cut(string(body), "cursor=")
	if !ok {
		return "", fmt.Errorf("lists: GET %s: no next-page link", path)
	}
	end := strings.IndexFunc(rest, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '%')
	})
	if end <= 0 {
		return "", fmt.Errorf("lists: GET %s: no cursor in the next-page link", path)
	}
	return url.QueryUnescape(rest[:end])
}
