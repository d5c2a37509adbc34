package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcPercent is the server's GOGC unless the environment sets one. The
// live heap is small (~10 MiB) and nearly all allocation is per attempt
// and short-lived (~15 KiB a delivery, ~140 MiB/s in a drain), so at Go's
// default of 100 the collector ran ~14 times a second; at 300 it runs a
// third as often, and the server's CPU per delivery fell by a quarter
// (README, Performance); at 800, a drain of 100,000 ran 17,649 / 17,517 /
// 17,447 against 16,938 / 17,169 / 17,066 deliveries/s at 300
// (scripts/profile.sh drain, alternating). The heap it lets grow
// meanwhile is capped by memoryLimit and given back once the server is
// idle (releaseWhenIdle).
const gcPercent = 800

// memoryLimit is the server's soft memory limit unless GOMEMLIMIT is set:
// near it the collector runs as often as it must, whatever gcPercent, so
// a live heap larger than usual (many large answers held at once) cannot
// grow the process to nine times its size.
const memoryLimit = 256 << 20

// tuneGC sets gcPercent unless GOGC is set, and memoryLimit unless
// GOMEMLIMIT is.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// Idle detection for releaseWhenIdle: a tick in which the process
// allocated less than idleAlloc is idle; memory is released after an idle
// tick that follows at least busyAlloc of allocation since the last release.
const (
	idleTick  = 2 * time.Second
	idleAlloc = 1 << 20  // an idle server (polling, health checks) allocates a few KiB a second
	busyAlloc = 64 << 20 // a burst worth giving memory back after
)

// releaseWhenIdle returns the heap's free memory to the operating system
// when a burst of work is over. At gcPercent the heap grows to several
// times the live data under load, and without a collection, which an idle
// server does not need, the runtime keeps those pages: the resident size
// after a drain stayed at its peak (make bench: 44-50 MiB after the
// scenarios against 33 MiB at GOGC=100). One forced collection when the
// work stops costs a few milliseconds.
func releaseWhenIdle(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocated := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	t := time.NewTicker(idleTick)
	defer t.Stop()
	last := allocated()
	released := last
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := allocated()
		if burstOver(last, now, released) {
			debug.FreeOSMemory()
			released = allocated()
		}
		last = now
	}
}

// burstOver: the tick that ended with now bytes allocated in all (last at
// its start) was idle, after a burst since the release at released.
func burstOver(last, now, released uint64) bool {
	return now-last < idleAlloc && now-released >= busyAlloc
}
