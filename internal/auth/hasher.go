package auth

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBusy: too many password checks are running or waiting; the caller
// answers at once (503) rather than queue without bound.
var ErrBusy = errors.New("auth: too many password checks at once")

// Hasher runs argon2id hashes a few at a time. Each costs its parameters'
// memory (19 MiB) and a core for tens of milliseconds, and anyone can ask
// for one through the login and sign-up forms, so an unbounded number at
// once is an easy way to exhaust the process's memory. At most
// concurrency run; up to waiting more wait at most maxWait for a turn;
// anything beyond gets ErrBusy without waiting.
//
// Priority waiters (a login from an address the account logged in from
// before) have their own queue of the same size and take every turn that
// frees up before the others, so a burst of strangers' attempts fills the
// ordinary queue without keeping the owner out.
type Hasher struct {
	mu       sync.Mutex
	running  int
	limit    int
	waiting  int
	queues   [2][]chan struct{} // [0] ordinary, [1] priority; FIFO
	maxWait  time.Duration
	hashes   atomic.Int64
	released func()
}

// NewHasher makes a hasher. concurrency <= 0 means one per CPU.
func NewHasher(concurrency, waiting int, maxWait time.Duration) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{limit: concurrency, waiting: max(waiting, 0), maxWait: maxWait}
	h.released = h.release
	return h
}

// NewDefaultHasher is the server's: one hash per CPU, 32 waiting per CPU,
// none waiting longer than 2 seconds.
func NewDefaultHasher() *Hasher {
	n := runtime.GOMAXPROCS(0)
	return NewHasher(n, 32*n, 2*time.Second)
}

// Acquire waits for a turn to hash, in the priority queue if priority.
// release must be called when done.
func (h *Hasher) Acquire(ctx context.Context, priority bool) (release func(), err error) {
	q := 0
	if priority {
		q = 1
	}
	h.mu.Lock()
	if h.running < h.limit {
		h.running++
		h.mu.Unlock()
		return h.released, nil
	}
	if len(h.queues[q]) >= h.waiting {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	turn := make(chan struct{})
	h.queues[q] = append(h.queues[q], turn)
	h.mu.Unlock()

	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case <-turn:
		return h.released, nil
	case <-t.C:
		err = ErrBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, c := range h.queues[q] {
		if c == turn {
			h.queues[q] = append(h.queues[q][:i], h.queues[q][i+1:]...)
			return nil, err
		}
	}
	// Handed a turn just as the wait ended: pass it on.
	h.handOnLocked()
	return nil, err
}

// release ends a turn, handing it to the first priority waiter, else the
// first ordinary one.
func (h *Hasher) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handOnLocked()
}

func (h *Hasher) handOnLocked() {
	for q := 1; q >= 0; q-- {
		if len(h.queues[q]) > 0 {
			close(h.queues[q][0])
			h.queues[q] = h.queues[q][1:]
			return
		}
	}
	h.running--
}

// Hashes is how many hashes the hasher ran (made or checked).
func (h *Hasher) Hashes() int64 { return h.hashes.Load() }

// Hash is HashPassword in an ordinary turn.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.Acquire(ctx, false)
	if err != nil {
		return "", err
	}
	defer release()
	h.hashes.Add(1)
	return HashPassword(password)
}

// Check is CheckPassword in a turn (a priority one if priority); ErrBusy
// or the context's error when it got none.
func (h *Hasher) Check(ctx context.Context, hash, password string, priority bool) error {
	release, err := h.Acquire(ctx, priority)
	if err != nil {
		return err
	}
	defer release()
	h.hashes.Add(1)
	return CheckPassword(hash, password)
}
