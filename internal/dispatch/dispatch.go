// Package dispatch sends deliveries. PostgreSQL is the queue: a claimer takes
// due rows in short statements (FOR UPDATE SKIP LOCKED), setting a lease and
// a fresh claim token, and a publish in this process hands over the fresh
// deliveries there is room for, written already leased (handoff.go); a
// pool of workers, one per attempt in flight, signs
// and POSTs the stored body through netguard's client, outside any
// transaction; a completer writes results in batches, fenced by the claim
// token.
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
//
// Files: admission.go decides what may run (no I/O, unit-tested alone);
// claim.go is the claim loop; handoff.go takes the deliveries a publish in
// this process hands over (store.Handoff), started like claimed rows;
// worker.go makes one attempt and applies the retry schedule, send.go the
// HTTP request; complete.go writes results; notify.go is the
// LISTEN/NOTIFY pair between processes.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/store"
)

// Channel is the NOTIFY channel that tells other processes deliveries are due.
const Channel = "clipcabinet_deliveries_due"

// Options configures a Dispatcher.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Client sends the attempts; build it with netguard.NewClient. Its
	// Transport sends each attempt as it is (see roundTrip): redirects are
	// never followed.
	Client *http.Client
	// Schedule is the delay before each automatic retry; len+1 automatic attempts in all.
	Schedule       []time.Duration
	AttemptTimeout time.Duration
	// Workers caps the attempts in flight in this process
	// [config.DefaultWorkers].
	Workers int
	// EndpointConcurrency caps the attempts in flight per endpoint in this
	// process [config.DefaultEndpointConcurrency, at most Workers].
	EndpointConcurrency int
	// ClaimBatch is the most rows one claim takes [config.DefaultClaimBatch].
	ClaimBatch int
	// LeaseMargin is added to AttemptTimeout to make the lease [10s].
	LeaseMargin time.Duration
	// Poll is the longest the claimer sleeps without a wake-up [1s].
	Poll time.Duration
	// ClaimGap is the least time after a small claim before the next
	// [10ms]; CompleteGap the least between two result writes [100ms].
	// See pace and complete.
	ClaimGap    time.Duration
	CompleteGap time.Duration
	// LookGap is the least time between two claims that look past the
	// rows of endpoints with no room here after such a look found
	// nothing [20ms]; see lookPast.
	LookGap time.Duration
	// VacuumEvery is how many deliveries this process completes between
	// two VACUUMs of the queue, made once a burst is over (or after ten
	// times as many during one) [20,000]; see upkeep.
	VacuumEvery int
	// Now is the clock [time.Now].
	Now func() time.Time
	// OnResult, when set, is called after each result is recorded (tests, metrics).
	OnResult func(store.Result)
	// OnClaim, when set, is called after each claim statement with the
	// rows it took, once admission has recorded them and before they
	// start (tests).
	OnClaim func(rows int)
}

// Dispatcher is the per-process delivery engine. Start it once; Stop is
// safe to call more than once.
type Dispatcher struct {
	o    Options
	log  *slog.Logger
	name string // random; the payload of this process's NOTIFYs

	wake    chan struct{} // claimer: something may be due now
	freed   chan struct{} // claimer: a worker or an endpoint slot came free
	notify  chan struct{} // notifier: tell other processes
	results chan outcome
	idle    chan job // a worker waiting for its next job receives here (see worker)

	adm *admission // what may run; see admission.go

	// The queue upkeep loop (upkeep.go): woken by upkeepWake, told by
	// claimedRows that a claim took rows, by claimedNone that the last
	// claim skipped no endpoint and found none, by dueLeft that the queue
	// still held due rows after the last empty claim, and by
	// completedRows how many results were written since its last VACUUM.
	upkeepWake    chan struct{}
	claimedRows   atomic.Bool
	claimedNone   atomic.Bool
	dueLeft       atomic.Bool
	completedRows atomic.Int64

	secretsMu sync.Mutex
	secrets   map[string]sealedSecret // by endpoint id; see secret

	stopClaim chan struct{}   // closed: claim no more
	stopCtx   context.Context // cancelled when Stop begins (the upkeep's statements)
	stopNow   context.CancelFunc
	handoffMu sync.RWMutex // read-held from a publish's lease until its rows are started (handoff.go)
	// handoffClosed: Stop has begun, publishes lease nothing (under handoffMu).
	handoffClosed bool
	hardCtx       context.Context
	hardCancel    context.CancelFunc // cancels attempts in flight
	attempts      sync.WaitGroup
	loops         sync.WaitGroup // claimer, upkeep, listener, notifier
	completer     sync.WaitGroup
	startOnce     sync.Once
	stopOnce      sync.Once
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
	// A setting left zero takes the configuration's default (config is
	// the one place they are written).
	if o.Workers <= 0 {
		o.Workers = config.DefaultWorkers
	}
	if o.EndpointConcurrency <= 0 {
		o.EndpointConcurrency = min(config.DefaultEndpointConcurrency, o.Workers)
	}
	if o.ClaimBatch <= 0 {
		o.ClaimBatch = config.DefaultClaimBatch
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = config.DefaultAttemptTimeout
	}
	if o.LeaseMargin <= 0 {
		o.LeaseMargin = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.LookGap <= 0 {
		o.LookGap = 20 * time.Millisecond
	}
	if o.ClaimGap <= 0 {
		o.ClaimGap = 10 * time.Millisecond
	}
	if o.CompleteGap <= 0 {
		o.CompleteGap = 100 * time.Millisecond
	}
	if o.VacuumEvery <= 0 {
		o.VacuumEvery = 20000
	}
	d := &Dispatcher{
		o: o, log: o.Logger.With("component", "dispatch"), name: strconv.FormatInt(newToken(), 36),
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1), notify: make(chan struct{}, 1),
		upkeepWake: make(chan struct{}, 1),
		results:    make(chan outcome, 8*o.Workers), idle: make(chan job),
		adm:       newAdmission(o.Workers, o.EndpointConcurrency, o.ClaimBatch, o.AttemptTimeout),
		stopClaim: make(chan struct{}), secrets: map[string]sealedSecret{},
	}
	d.hardCtx, d.hardCancel = context.WithCancel(context.Background())
	d.stopCtx, d.stopNow = context.WithCancel(context.Background())
	if o.Store != nil {
		o.Store.OnEndpointStopped(d.endpointStopped)
	}
	return d
}

// endpointStopped: the endpoint was disabled or deleted in this process;
// rows held for it are given back, not sent.
func (d *Dispatcher) endpointStopped(ep string) { d.adm.stopped(ep, d.o.Now().UTC()) }

// Start runs the claimer, the completer, the queue upkeep and the
// LISTEN/NOTIFY pair on the store's pool. It returns at once.
func (d *Dispatcher) Start(ctx context.Context) {
	d.startOnce.Do(func() {
		ctx = context.WithoutCancel(ctx)
		d.completer.Add(1)
		go d.complete(ctx)
		d.loops.Add(4)
		go d.claim(ctx)
		go d.upkeep()
		go d.listen(ctx, d.o.Store.Pool)
		go d.notifier(ctx, d.o.Store.Pool)
		d.o.Store.SetHandoff(d)
	})
}

// Wake tells the dispatcher that deliveries are due now, and other processes
// through a coalesced NOTIFY. It never blocks. Given the endpoints of the
// due deliveries (a publish's rows that were not handed over), it wakes
// the claimer only if a claim now could take one of them; if none could
// (every worker busy, or those endpoints full), the claimer is woken by
// the next worker or endpoint slot that comes free, as after a claim that
// found rows (admission.setDry): a publish that handed a fan-out's rows
// to the endpoints' holds woke it for the rest, only for a claim that
// took nothing.
func (d *Dispatcher) Wake(endpoints ...string) {
	signal(d.notify)
	if len(endpoints) == 0 || d.adm.roomFor(endpoints) {
		signal(d.wake)
		return
	}
	d.adm.setDry(false)
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
		d.stopNow()
		// No publish leases from now on; a publish holding one has its
		// rows started before the attempts are waited for below.
		d.handoffMu.Lock()
		d.handoffClosed = true
		d.handoffMu.Unlock()
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
func (d *Dispatcher) InFlight() int { return d.adm.inFlight() }

func newToken() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) &^ (1 << 63))
}

// sleep waits for dur, a stop, or one of the wake channels; false: stop.
func (d *Dispatcher) sleep(dur time.Duration, wakes ...chan struct{}) bool {
	return d.wait(dur, wakes...) != wokeStop
}

// wokeBy is what ended a wait.
type wokeBy int

const (
	wokeStop   wokeBy = iota // the dispatcher is stopping
	wokeTimer                // the duration passed
	wokeFirst                // the first wake channel
	wokeSecond               // the second wake channel
)

// wait waits for dur, a stop, or one of (at most two) wake channels, and
// says which came first.
func (d *Dispatcher) wait(dur time.Duration, wakes ...chan struct{}) wokeBy {
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
		return wokeStop
	case <-t.C:
		return wokeTimer
	case <-w0:
		return wokeFirst
	case <-w1:
		return wokeSecond
	}
}
