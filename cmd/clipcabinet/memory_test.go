package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The heap is given back once per burst: on the first idle tick after at
// least busyAlloc was allocated, not while work goes on, not after a
// quiet stretch with little allocated, and not again until the next burst.
func TestBurstOver(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name                string
		last, now, released uint64
		want                bool
	}{
		{"busy tick", 100 * mib, 180 * mib, 0, false},
		{"first idle tick after a burst", 180 * mib, 180*mib + 1000, 0, true},
		{"idle, little allocated since the last release", 180 * mib, 180*mib + 1000, 150 * mib, false},
		{"idle again right after a release", 180 * mib, 180*mib + 2000, 180 * mib, false},
		{"a small burst", 10 * mib, 10*mib + 10, 0, false},
	}
	for _, c := range cases {
		if got := burstOver(c.last, c.now, c.released); got != c.want {
			t.Errorf("%s: burstOver(%d, %d, %d) = %v, want %v", c.name, c.last, c.now, c.released, got, c.want)
		}
	}
}

// serve sets the collector's percent and the soft memory limit unless the
// environment sets GOGC or GOMEMLIMIT, which the runtime has read.
func TestTuneGCLeavesWhatTheEnvironmentSets(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	read := func() (int, int64) {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	tuneGC(func(string) string { return "" })
	if p, l := read(); p != gcPercent || l != memoryLimit {
		t.Fatalf("nothing set: GOGC %d, limit %d; want %d and %d", p, l, gcPercent, memoryLimit)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	tuneGC(func(k string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k] })
	if p, l := read(); p != 100 || l != math.MaxInt64 {
		t.Fatalf("both set in the environment: GOGC %d, limit %d; want them left alone", p, l)
	}
}
