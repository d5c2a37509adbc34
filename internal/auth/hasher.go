package auth

import (
	"context"
	"errors"
	"runtime"
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
type Hasher struct {
	run     chan struct{} // a token per running hash
	admit   chan struct{} // a token per running or waiting hash
	maxWait time.Duration
	hashes  atomic.Int64
}

// NewHasher makes a hasher. concurrency <= 0 means one per CPU.
func NewHasher(concurrency, waiting int, maxWait time.Duration) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Hasher{run: make(chan struct{}, concurrency), admit: make(chan struct{}, concurrency+max(waiting, 0)), maxWait: maxWait}
}

// NewDefaultHasher is the server's: one hash per CPU, 32 waiting per CPU,
// none waiting longer than 2 seconds.
func NewDefaultHasher() *Hasher {
	n := runtime.GOMAXPROCS(0)
	return NewHasher(n, 32*n, 2*time.Second)
}

// Acquire waits for a turn to hash. release must be called when done.
func (h *Hasher) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case h.admit <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	select {
	case h.run <- struct{}{}:
		return func() { <-h.run; <-h.admit }, nil
	default:
	}
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.run <- struct{}{}:
	case <-t.C:
		<-h.admit
		return nil, ErrBusy
	case <-ctx.Done():
		<-h.admit
		return nil, ctx.Err()
	}
	return func() { <-h.run; <-h.admit }, nil
}

// Hashes is how many hashes the hasher ran (made or checked).
func (h *Hasher) Hashes() int64 { return h.hashes.Load() }

// Hash is HashPassword in a turn.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	h.hashes.Add(1)
	return HashPassword(password)
}

// Check is CheckPassword in a turn; ErrBusy or the context's error when it
// got none.
func (h *Hasher) Check(ctx context.Context, hash, password string) error {
	release, err := h.Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	h.hashes.Add(1)
	return CheckPassword(hash, password)
}
