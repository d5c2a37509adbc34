// Package dispatch sends deliveries. PostgreSQL is the queue: a claimer takes
// due rows in short statements (FOR UPDATE SKIP LOCKED), setting a lease and
// a fresh claim token; one goroutine per attempt signs and POSTs the stored
// body through netguard's client, outside any transaction; a completer
// writes results in batches, fenced by the claim token.
//
// Crash safety: a row stays leased while its attempt runs. If the process
// dies, the lease expires, the row is due again, and the next claimer
// records the lost attempt as "interrupted" before trying again. A worker
// whose lease expired meanwhile matches no row when it completes, so it can
// never overwrite the new owner. Delivery is therefore at-least-once, with
// duplicates only for attempts in flight when a process died.
//
// Fairness: each process caps the attempts in flight per endpoint; the claim
// skips endpoints at their cap, so a slow or dead endpoint with a large
// backlog holds at most its cap of workers and the others keep flowing.
// The caps of a few slow endpoints can still add up to every worker, and
// then each slot one of them frees goes back to its own older backlog
// (the claim is oldest first), never to the endpoints waiting behind. So an
// endpoint whose last attempt here ran long (a quarter of the attempt
// timeout or more) is slow, and slow endpoints together hold at most
// three quarters of the workers: the rest stay for the others.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/store"
)

// Channel is the NOTIFY channel that tells other processes deliveries are due.
const Channel = "clipcabinet_deliveries_due"

// Options configures a Dispatcher.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Client sends the attempts; build it with netguard.NewClient.
	Client *http.Client
	// Schedule is the delay before each automatic retry; len+1 automatic attempts in all.
	Schedule       []time.Duration
	AttemptTimeout time.Duration
	// Workers caps the attempts in flight in this process.
	Workers int
	// EndpointConcurrency caps the attempts in flight per endpoint in this process.
	EndpointConcurrency int
	// ClaimBatch is the most rows one claim takes.
	ClaimBatch int
	// LeaseMargin is added to AttemptTimeout to make the lease [10s].
	LeaseMargin time.Duration
	// Poll is the longest the claimer sleeps without a wake-up [1s].
	Poll time.Duration
	// ClaimGap is the least time after a small claim before the next
	// [5ms]; CompleteGap the least between two result writes [10ms]. See
	// pace.
	ClaimGap    time.Duration
	CompleteGap time.Duration
	// Now is the clock [time.Now].
	Now func() time.Time
	// OnResult, when set, is called after each result is recorded (tests, metrics).
	OnResult func(store.Result)
}

// Dispatcher is the per-process delivery engine. Start it once; Stop is
// safe to call more than once.
type Dispatcher struct {
	o   Options
	log *slog.Logger

	wake    chan struct{} // claimer: something may be due now
	freed   chan struct{} // claimer: a worker or an endpoint slot came free
	notify  chan struct{} // notifier: tell other processes
	results chan outcome

	mu       sync.Mutex
	inflight int
	perEP    map[string]int
	held     map[string][]heldRow // claimed rows of an endpoint at its cap, waiting for its next free slot
	stops    map[string]time.Time // endpoints stopped here lately: rows held from before are given back
	slowEP   map[string]time.Time // slow endpoints: their last attempt here ran long, at that time
	slowCap  int                  // most attempts slow endpoints hold at once
	slowTime time.Duration        // an attempt this long makes its endpoint slow

	secretsMu sync.Mutex
	secrets   map[string]sealedSecret // by endpoint id; see secret

	stopClaim  chan struct{} // closed: claim no more
	hardCtx    context.Context
	hardCancel context.CancelFunc // cancels attempts in flight
	attempts   sync.WaitGroup
	loops      sync.WaitGroup // claimer, listener, notifier
	completer  sync.WaitGroup
	startOnce  sync.Once
	stopOnce   sync.Once
}

// heldMaxAge is how long a claimed row may wait for its endpoint's next
// free slot before it is given back. It is short on purpose: a held row is
// no attempt yet, so an endpoint disabled or deleted meanwhile must not get
// it (the claim is where that is checked), and a row held this briefly is no
// later than one claimed and started at once with a slow claim. Fast
// endpoints start their held rows well within it; slow ones give theirs
// back and are refilled by the claim as before.
const heldMaxAge = 20 * time.Millisecond

// heldRow is a claimed row kept for its endpoint's next free slot.
type heldRow struct {
	c     store.Claimed
	token int64
	at    time.Time
}

// outcome is a finished attempt on its way to the completer, or a claim to give back.
type outcome struct {
	result  store.Result
	release bool
}

// New builds a dispatcher; it does nothing until Start.
func New(o Options) *Dispatcher {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.EndpointConcurrency <= 0 {
		o.EndpointConcurrency = o.Workers
	}
	if o.ClaimBatch <= 0 {
		o.ClaimBatch = 100
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 15 * time.Second
	}
	if o.LeaseMargin <= 0 {
		o.LeaseMargin = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ClaimGap <= 0 {
		o.ClaimGap = 5 * time.Millisecond
	}
	if o.CompleteGap <= 0 {
		o.CompleteGap = 10 * time.Millisecond
	}
	d := &Dispatcher{
		o: o, log: o.Logger.With("component", "dispatch"),
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1), notify: make(chan struct{}, 1),
		results: make(chan outcome, 4*o.Workers), perEP: map[string]int{}, held: map[string][]heldRow{}, stops: map[string]time.Time{}, slowEP: map[string]time.Time{},
		slowCap: max(1, o.Workers-max(1, o.Workers/4)), slowTime: o.AttemptTimeout / 4,
		stopClaim: make(chan struct{}), secrets: map[string]sealedSecret{},
	}
	d.hardCtx, d.hardCancel = context.WithCancel(context.Background())
	if o.Store != nil {
		o.Store.OnEndpointStopped(d.endpointStopped)
	}
	return d
}

// endpointStopped: the endpoint was disabled or deleted in this process;
// rows held for it are given back, not sent (see popLocked).
func (d *Dispatcher) endpointStopped(ep string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.held[ep]) > 0 {
		d.stops[ep] = d.o.Now().UTC()
	}
}

// Start runs the claimer, the completer, and the LISTEN/NOTIFY pair on the
// store's pool. It returns at once.
func (d *Dispatcher) Start(ctx context.Context) {
	d.startOnce.Do(func() {
		ctx = context.WithoutCancel(ctx)
		d.completer.Add(1)
		go d.complete(ctx)
		d.loops.Add(3)
		go d.claim(ctx)
		go d.listen(ctx, d.o.Store.Pool)
		go d.notifier(ctx, d.o.Store.Pool)
	})
}

// Wake tells the dispatcher that deliveries are due now, and other processes
// through a coalesced NOTIFY. It never blocks.
func (d *Dispatcher) Wake() {
	signal(d.wake)
	signal(d.notify)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Stop stops claiming, lets attempts in flight finish until ctx is done,
// then cancels the rest and gives their deliveries back to the queue
// without recording an attempt. Results are written before it returns.
func (d *Dispatcher) Stop(ctx context.Context) {
	d.stopOnce.Do(func() {
		close(d.stopClaim)
		d.loops.Wait()
		done := make(chan struct{})
		go func() { d.attempts.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			d.log.Warn("stop: cancelling attempts still in flight")
			d.hardCancel()
			<-done
		}
		close(d.results)
		d.completer.Wait()
		d.hardCancel()
	})
}

// InFlight reports the attempts in flight in this process.
func (d *Dispatcher) InFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inflight
}

func newToken() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) &^ (1 << 63))
}

// sleep waits for d, a stop, or one of the wake channels.
func (d *Dispatcher) sleep(dur time.Duration, wakes ...chan struct{}) bool {
	t := time.NewTimer(dur)
	defer t.Stop()
	var w0, w1 chan struct{}
	if len(wakes) > 0 {
		w0 = wakes[0]
	}
	if len(wakes) > 1 {
		w1 = wakes[1]
	}
	select {
	case <-d.stopClaim:
		return false
	case <-t.C:
	case <-w0:
	case <-w1:
	}
	return true
}

// pace waits until gap has passed since last, unless stopping. Under a
// steady flow of publishes every one wakes the claimer, and every finished
// attempt is a result to write: without pacing the claim and the
// completion run for one or two rows each, and their fixed cost per
// statement (planning, executor start, commit) was most of PostgreSQL's
// time at 1,500 events/s. Paced, each takes what arrived meanwhile. An
// idle dispatcher is past the gap already, so a lone publish is claimed at
// once; a claim that filled up, or took a refill's worth, is followed at
// once (no pacing: the backlog is the batch).
func (d *Dispatcher) pace(last time.Time, gap time.Duration) bool {
	wait := gap - time.Since(last)
	if wait <= 0 {
		return true
	}
	return d.sleep(wait)
}

// claim is the claim loop.
func (d *Dispatcher) claim(ctx context.Context) {
	defer d.loops.Done()
	failures := 0
	var last time.Time // when the last small claim started (see pace)
	for {
		select {
		case <-d.stopClaim:
			return
		default:
		}
		if !d.pace(last, d.o.ClaimGap) {
			return
		}
		d.mu.Lock()
		capacity := d.o.Workers - d.inflight
		skip, roomEPs, roomN := d.roomLocked()
		d.mu.Unlock()
		if capacity <= 0 {
			if !d.sleep(d.o.Poll, d.freed) {
				return
			}
			continue
		}
		n := min(capacity, d.o.ClaimBatch)
		started := time.Now()
		now := d.o.Now().UTC()
		token := newToken()
		rows, err := d.o.Store.QueueClaim(ctx, store.Claim{
			Token: token, Max: n, Skip: skip, Now: now,
			RoomEndpoints: roomEPs, RoomCounts: roomN, DefaultRoom: d.o.EndpointConcurrency,
			LeaseUntil: now.Add(d.o.AttemptTimeout + d.o.LeaseMargin),
		})
		if err != nil {
			failures++
			d.log.Error("claim failed", "err", err, "failures", failures)
			if !d.sleep(backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		d.startAll(ctx, rows, token, now)
		// Pace after a small claim only: a backlog claimed as room frees
		// up comes in claims of a refill or more, and pacing those made a
		// one-endpoint drain ~12% slower; a full claim is not paced either.
		last = time.Time{}
		if len(rows) < n && len(rows) < d.refill() {
			last = started
		}
		if len(rows) == n {
			continue // probably more due
		}
		if !d.sleep(d.untilNextDue(ctx, now), d.wake, d.freed) {
			return
		}
	}
}

// untilNextDue is how long the claimer may sleep: until the earliest due
// row, at most Poll. A due row this process skipped (its endpoint is at its
// cap, or slow while slow endpoints hold their share) waits for a freed
// slot, not for a busy loop.
func (d *Dispatcher) untilNextDue(ctx context.Context, now time.Time) time.Duration {
	next, err := d.o.Store.QueueNextDue(ctx)
	if err != nil || next == nil {
		return d.o.Poll
	}
	wait := next.Sub(now)
	if wait <= 0 {
		return d.o.Poll / 4
	}
	return min(wait, d.o.Poll)
}

func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures, 5)
	return min(d, 3*time.Second)
}

// slowMemory is how long an endpoint stays slow without a new slow attempt.
const slowMemory = time.Minute

// refill is the room an endpoint with attempts in flight needs before the
// claim takes more of its rows: a busy endpoint is refilled in batches, not
// one row per finished attempt.
func (d *Dispatcher) refill() int {
	return max(1, min(2*d.o.EndpointConcurrency, d.o.ClaimBatch)/2)
}

// roomOfLocked is how many more rows the endpoint may be given: its free
// slots and, unless it is slow, room in its held queue (as many rows again
// as its cap, started by its own attempts as they finish; see run).
func (d *Dispatcher) roomOfLocked(ep string, slowRoom int) int {
	n := d.perEP[ep]
	room := d.o.EndpointConcurrency - n
	if _, slow := d.slowEP[ep]; slow {
		return min(room, slowRoom)
	}
	return room + d.o.EndpointConcurrency - len(d.held[ep])
}

// roomLocked lists the endpoints that may take no attempt now (skip): those
// at their cap, or with in flight and less room than refill, and, while
// slow endpoints hold their share of the workers, the slow ones. The other
// endpoints with attempts in flight, or slow, get at most their room
// (roomEPs, roomN); the claim takes no more than that, so no claimed row
// has to be given back. It forgets slow endpoints not seen slow for
// slowMemory.
func (d *Dispatcher) roomLocked() (skip, roomEPs []string, roomN []int32) {
	for ep, at := range d.slowEP {
		if d.perEP[ep] == 0 && d.o.Now().Sub(at) > slowMemory {
			delete(d.slowEP, ep)
		}
	}
	slowRoom := d.slowCap - d.slowInflightLocked()
	add := func(ep string, n int) {
		room := d.roomOfLocked(ep, slowRoom)
		if room <= 0 || (n > 0 && room < d.refill()) {
			skip = append(skip, ep)
			return
		}
		roomEPs, roomN = append(roomEPs, ep), append(roomN, int32(room))
	}
	for ep, n := range d.perEP {
		add(ep, n)
	}
	for ep := range d.slowEP {
		if d.perEP[ep] == 0 {
			add(ep, 0)
		}
	}
	return skip, roomEPs, roomN
}

// slowInflightLocked counts the attempts in flight of slow endpoints.
func (d *Dispatcher) slowInflightLocked() int {
	n := 0
	for ep := range d.slowEP {
		n += d.perEP[ep]
	}
	return n
}

// fullLocked reports whether the endpoint may take no attempt now.
func (d *Dispatcher) fullLocked(ep string) bool {
	if d.perEP[ep] >= d.o.EndpointConcurrency {
		return true
	}
	_, slow := d.slowEP[ep]
	return slow && d.slowInflightLocked() >= d.slowCap
}

// startAll starts an attempt for each claimed row, or gives it back when
// its endpoint may take no more (see fullLocked) or there is nothing to send.
func (d *Dispatcher) startAll(ctx context.Context, rows []store.Claimed, token int64, now time.Time) {
	var backIDs []string
	for _, c := range rows {
		work := hasWork(c, now)
		d.mu.Lock()
		full := d.fullLocked(c.EndpointID)
		_, slow := d.slowEP[c.EndpointID]
		hold := work && full && !slow && d.perEP[c.EndpointID] > 0 && len(d.held[c.EndpointID]) < d.o.EndpointConcurrency
		switch {
		case hold:
			d.held[c.EndpointID] = append(d.held[c.EndpointID], heldRow{c: c, token: token, at: now})
		case !full && work:
			d.inflight++
			d.perEP[c.EndpointID]++
		}
		d.mu.Unlock()
		if hold {
			continue
		}
		if full || !work {
			backIDs = append(backIDs, c.ID)
			continue
		}
		d.attempts.Add(1)
		go d.run(ctx, c, token)
	}
	if len(backIDs) > 0 {
		tokens := make([]int64, len(backIDs))
		for i := range tokens {
			tokens[i] = token
		}
		if err := d.o.Store.QueueRelease(ctx, backIDs, tokens); err != nil {
			d.log.Error("release failed; the rows come back when their lease ends", "err", err, "count", len(backIDs))
		}
	}
}

// hasWork: a manual attempt is requested, or an automatic one is due. A row
// can be claimed with neither when its lease expired after its endpoint was
// disabled.
func hasWork(c store.Claimed, now time.Time) bool {
	if c.ClaimManual {
		return true
	}
	return (c.Status == "pending" || c.Status == "retrying") && c.NextAttemptAt != nil && !c.NextAttemptAt.After(now)
}

// run makes one attempt and hands its result to the completer, then
// starts the next row held for the same endpoint, if any, in the slot it
// just freed. A held row is given back instead when the dispatcher is
// stopping, its endpoint may take no attempt now, or it has waited longer
// than heldMaxAge.
func (d *Dispatcher) run(ctx context.Context, c store.Claimed, token int64) {
	defer d.attempts.Done()
	for {
		res, cancelled := d.attempt(c, token)
		ep := c.EndpointID
		d.mu.Lock()
		d.inflight--
		left := d.perEP[ep] - 1
		if left <= 0 {
			delete(d.perEP, ep)
		} else {
			d.perEP[ep] = left
		}
		_, wasSlow := d.slowEP[ep]
		switch {
		case cancelled:
		case time.Duration(res.DurationMs)*time.Millisecond >= d.slowTime:
			d.slowEP[ep] = d.o.Now()
		default:
			delete(d.slowEP, ep)
		}
		next, ok, back := d.popLocked(ep)
		// Wake the claimer only when this may let it take more: the
		// endpoint just got its refill room back (or has nothing in
		// flight now), the workers were all busy, or slow endpoints'
		// shares moved.
		room := d.roomOfLocked(ep, d.slowCap-d.slowInflightLocked())
		wake := d.perEP[ep] == 0 || room == d.refill() || d.inflight == d.o.Workers-1 || wasSlow || len(d.slowEP) > 0
		d.mu.Unlock()
		if wake {
			signal(d.freed)
		}
		d.results <- outcome{result: res, release: cancelled}
		for _, h := range back {
			d.results <- outcome{result: store.Result{DeliveryID: h.c.ID, EndpointID: h.c.EndpointID, Token: h.token}, release: true}
		}
		if !ok {
			return
		}
		c, token = next.c, next.token
	}
}

// popLocked takes the endpoint's next held row and counts it in flight
// (ok), and returns the held rows to give back.
func (d *Dispatcher) popLocked(ep string) (next heldRow, ok bool, back []heldRow) {
	q := d.held[ep]
	if len(q) == 0 {
		return heldRow{}, false, nil
	}
	stopping := false
	select {
	case <-d.stopClaim:
		stopping = true
	default:
	}
	stoppedAt, stopped := d.stops[ep]
	if stopping || d.fullLocked(ep) {
		delete(d.held, ep)
		delete(d.stops, ep)
		return heldRow{}, false, q
	}
	now := d.o.Now().UTC()
	for len(q) > 0 {
		h := q[0]
		q = q[1:]
		if now.Sub(h.at) > heldMaxAge || (stopped && !h.at.After(stoppedAt)) {
			back = append(back, h)
			continue
		}
		next, ok = h, true
		d.inflight++
		d.perEP[ep]++
		break
	}
	if len(q) == 0 {
		delete(d.held, ep)
		delete(d.stops, ep)
	} else {
		d.held[ep] = q
	}
	return next, ok, back
}

// complete writes results in batches: whatever has arrived while the
// previous write ran, or within CompleteGap of its start (see pace), goes
// in the next statement. Waiting costs nothing that matters: the worker
// slot is free already, and the lease outlasts the gap by far.
func (d *Dispatcher) complete(ctx context.Context) {
	defer d.completer.Done()
	var last time.Time
	for first := range d.results {
		if wait := d.o.CompleteGap - time.Since(last); wait > 0 && len(d.results) < 500 {
			time.Sleep(wait)
		}
		last = time.Now()
		batch := []outcome{first}
	drain:
		for len(batch) < 500 {
			select {
			case o, ok := <-d.results:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		d.write(ctx, batch)
	}
}

// write records a batch, retrying while the database is unavailable. If it
// cannot (hard stop), the leases expire and the rows are attempted again.
func (d *Dispatcher) write(ctx context.Context, batch []outcome) {
	var results []store.Result
	var relIDs []string
	var relTokens []int64
	for _, o := range batch {
		if o.release {
			relIDs = append(relIDs, o.result.DeliveryID)
			relTokens = append(relTokens, o.result.Token)
		} else {
			results = append(results, o.result)
		}
	}
	for failures := 1; ; failures++ {
		err := d.flush(ctx, results, relIDs, relTokens)
		if err == nil {
			break
		}
		d.log.Error("recording attempts failed; retrying", "err", err, "count", len(batch))
		select {
		case <-d.hardCtx.Done():
			return
		case <-time.After(backoff(failures)):
		}
	}
	if d.o.OnResult != nil {
		for _, r := range results {
			d.o.OnResult(r)
		}
	}
}

func (d *Dispatcher) flush(ctx context.Context, results []store.Result, relIDs []string, relTokens []int64) error {
	if len(results) > 0 {
		recorded, err := d.o.Store.QueueComplete(ctx, results)
		if err != nil {
			return err
		}
		if len(recorded) < len(results) {
			d.log.Warn("results dropped: their leases had expired and the deliveries were reclaimed", "count", len(results)-len(recorded))
		}
	}
	if len(relIDs) > 0 {
		return d.o.Store.QueueRelease(ctx, relIDs, relTokens)
	}
	return nil
}

// listen wakes the claimer when another process publishes.
func (d *Dispatcher) listen(ctx context.Context, pool *pgxpool.Pool) {
	defer d.loops.Done()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-d.stopClaim; cancel() }()
	for failures := 0; lctx.Err() == nil; {
		err := d.listenOnce(lctx, pool)
		if lctx.Err() != nil {
			return
		}
		failures++
		d.log.Warn("listen connection lost; reconnecting", "err", err)
		if !d.sleep(backoff(failures)) {
			return
		}
	}
}

func (d *Dispatcher) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Conn().Close(ctx) //nolint:errcheck // the connection is discarded anyway
		return err
	}
	signal(d.wake) // catch up on what was published while not listening
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			// Don't return a connection with LISTEN state to the pool.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
			return err
		}
		signal(d.wake)
	}
}

// notifier sends one NOTIFY per burst of local wake-ups, so a publish
// transaction never carries one and a burst of publishes costs one.
func (d *Dispatcher) notifier(ctx context.Context, pool *pgxpool.Pool) {
	defer d.loops.Done()
	for {
		select {
		case <-d.stopClaim:
			return
		case <-d.notify:
		}
		if _, err := pool.Exec(ctx, "SELECT pg_notify($1, '')", Channel); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Debug("notify failed; other processes poll", "err", err)
		}
		if !d.sleep(5 * time.Millisecond) {
			return
		}
	}
}
