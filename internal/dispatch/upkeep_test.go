package dispatch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// queueCounts is how often delivery_queue was vacuumed and analyzed
// (pg_stat_user_tables: VACUUM and ANALYZE report their own counts).
func queueCounts(t *testing.T, conn *pgx.Conn) (vacuums, analyzes int64) {
	t.Helper()
	if err := conn.QueryRow(context.Background(), `SELECT vacuum_count, analyze_count
		FROM pg_stat_user_tables WHERE relname = 'delivery_queue'`).Scan(&vacuums, &analyzes); err != nil {
		t.Fatal(err)
	}
	return vacuums, analyzes
}

// statsConn is a connection to app's database for queueCounts, closed
// when the test ends.
func statsConn(t *testing.T, app *testapp.App) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), app.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// waitQueueCounts waits up to 10 s for the queue's counts to satisfy ok,
// else fails with msg.
func waitQueueCounts(t *testing.T, conn *pgx.Conn, msg string, ok func(vacuums, analyzes int64) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(queueCounts(t, conn)); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
	}
}

// TestTheDispatcherVacuumsTheQueueAfterABurst: once VacuumEvery deliveries
// were completed and the burst is over, the dispatcher vacuums the queue
// itself (a cluster may run without autovacuum; every delivery leaves dead
// rows there).
func TestTheDispatcherVacuumsTheQueueAfterABurst(t *testing.T) {
	t.Parallel()
	conn, before := deliverThroughDispatcher(t, dispatch.Options{VacuumEvery: 30}, 40, 0)
	waitQueueCounts(t, conn, "the queue was not vacuumed within 10 s of a burst of 40 deliveries (VacuumEvery 30)",
		func(vacuums, _ int64) bool { return vacuums > before })
}

// deliverThroughDispatcher publishes events through a dispatcher started
// with o (each handed to it), all at once or pace apart, and waits until
// they were received; it returns a connection for queueCounts and the
// queue's VACUUM count before.
func deliverThroughDispatcher(t *testing.T, o dispatch.Options, events int, pace time.Duration) (*pgx.Conn, int64) {
	t.Helper()
	rc := newReceiver(t, nil)
	app, user, _ := setup(t, nil, rc.URL)
	conn := statsConn(t, app)
	_, st := startDispatcherStore(t, app, o)
	before, _ := queueCounts(t, conn)
	if pace == 0 {
		publishThrough(t, st, user, events)
	}
	for i := 0; pace > 0 && i < events; i++ {
		publishThrough(t, st, user, 1)
		time.Sleep(pace)
	}
	rc.waitHits(t, events, 10*time.Second)
	return conn, before
}

// TestTheDispatcherDoesNotVacuumInTheMiddleOfADrain: a backlog to one
// endpoint, drained at that endpoint's cap, is one burst: the claims that
// look past the full endpoint and find nothing do not mean it is over, so
// the queue is vacuumed once, after the last delivery, however many
// VacuumEvery it completed. (They did: every 20,000 deliveries of a
// 100,000 backlog, 0.9 s of PostgreSQL in a 15 s drain.)
func TestTheDispatcherDoesNotVacuumInTheMiddleOfADrain(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	app := testapp.Start(t, testapp.Options{NoDispatcher: true}) // its publishes are queued
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL)
	conn := statsConn(t, app)
	// 600 deliveries, 2 at a time: a vacuum is due after 100 once the
	// burst is over, and during it only after 1,000.
	const backlog = 600
	publishThrough(t, app.Store, user, backlog)
	before, _ := queueCounts(t, conn)
	startDispatcherStore(t, app, dispatch.Options{VacuumEvery: 100, EndpointConcurrency: 2, LookGap: time.Millisecond})
	rc.waitHits(t, backlog, 30*time.Second)
	waitQueueCounts(t, conn, "the queue was not vacuumed within 10 s of the drain's end",
		func(vacuums, _ int64) bool { return vacuums > before })
	time.Sleep(time.Second) // PostgreSQL's statistics lag by up to 0.5 s
	if after, _ := queueCounts(t, conn); after != before+1 {
		t.Fatalf("%d VACUUMs of the queue in a drain of %d to one endpoint (VacuumEvery 100), want one, at its end", after-before, backlog)
	}
}

// TestTheDispatcherVacuumsTheQueueUnderSteadyTraffic: paced publishes,
// handed to the dispatcher, leave it drained between deliveries, and it
// vacuums the queue every VacuumEvery deliveries while they go on (a
// rule that waited for a quiet spell never vacuumed under a steady 1,000
// events/s, and the queue's dead rows grew all through it).
func TestTheDispatcherVacuumsTheQueueUnderSteadyTraffic(t *testing.T) {
	t.Parallel()
	conn, before := deliverThroughDispatcher(t, dispatch.Options{VacuumEvery: 40}, 300, 5*time.Millisecond)
	waitQueueCounts(t, conn, "fewer than 3 VACUUMs of the queue within 10 s of 300 deliveries paced 5 ms apart (VacuumEvery 40)",
		func(vacuums, _ int64) bool { return vacuums >= before+3 })
}

// TestTheDispatcherRecountsAQueueRecordedEmpty: after a VACUUM recorded
// the queue as empty, the first claims of a backlog recount it (the
// plans made from "empty" read the whole queue for every claimed row:
// store.TestClaimPlanFollowsTheQueueAfterAVacuum).
func TestTheDispatcherRecountsAQueueRecordedEmpty(t *testing.T) {
	t.Parallel()
	// A slow receiver keeps the backlog queued while it is claimed: 64 in
	// flight at 250 ms take ~256 rows a second, so the second look at the
	// statistics (a second after the first, which may come while the
	// backlog is still being published) still finds over 1,000 queued.
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { time.Sleep(250 * time.Millisecond) })
	app, user, _ := setup(t, nil, rc.URL)
	conn := statsConn(t, app)
	if _, err := conn.Exec(context.Background(), "VACUUM ANALYZE delivery_queue"); err != nil {
		t.Fatal(err)
	}
	_, analyzed := queueCounts(t, conn)
	// A store with no dispatcher: the backlog is queued, not handed over.
	pool, err := store.Connect(context.Background(), app.DBURL, store.PoolOptions{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st, err := store.New(pool, store.Options{EncryptionKey: app.Config.EncryptionKey})
	if err != nil {
		t.Fatal(err)
	}
	publishThrough(t, st, user, 3000)
	waitQueueCounts(t, conn, "a backlog of 3,000 after the queue was recorded empty was not recounted within 10 s",
		func(_, analyzes int64) bool { return analyzes > analyzed })
}

// publishThrough publishes n comment.added events for user through st, at once.
func publishThrough(t *testing.T, st *store.Store, user string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := st.Publish(context.Background(), store.Publish{Event: webhook.EventCommentAdded, UserID: user,
				Data: json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")), OccurredAt: time.Now()})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
