// Package service holds the Start/Stop contract every background service
// keeps (the dispatcher, the maintainer, the session cleanup): Start
// returns at once and runs the service until Stop; Stop lets the work in
// progress finish until its ctx is done, and is safe before Start and more
// than once.
package service

import (
	"context"
	"sync"
)

// Service is a background service.
type Service interface {
	Start(ctx context.Context)
	Stop(ctx context.Context)
}

// Loop is one goroutine run from Start until Stop: embed it, or keep one,
// to keep the contract without writing it again. The zero value is ready.
type Loop struct {
	mu      sync.Mutex
	stop    chan struct{}
	started bool
	stopped bool
	done    sync.WaitGroup
}

func (l *Loop) stopCh() chan struct{} {
	if l.stop == nil {
		l.stop = make(chan struct{})
	}
	return l.stop
}

// Start runs fn in its own goroutine, once, with ctx stripped of its
// cancellation (Stop ends the loop, not the caller's context). fn returns
// when Stopping is closed. After Stop, Start does nothing.
func (l *Loop) Start(ctx context.Context, fn func(ctx context.Context)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.stopped {
		return
	}
	l.started = true
	l.stopCh()
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		fn(context.WithoutCancel(ctx))
	}()
}

// Stopping is closed once Stop was called.
func (l *Loop) Stopping() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopCh()
}

// Stop closes Stopping and waits for fn to return, or for ctx to be done.
func (l *Loop) Stop(ctx context.Context) {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.stopCh())
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
