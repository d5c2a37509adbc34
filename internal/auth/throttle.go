package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per key (an account, an address) in a
// sliding window, in memory. It is per process on purpose: it needs no
// table and no cleanup job, and an attacker spreading guesses across several
// instances still meets each instance's limit, so the effective limit is
// at most the instance count times Max. A restart forgets the counts.
//
// Keys are checked before the password is, so a locked-out key gets the
// same answer whether or not the password would have been right, and an
// unknown email counts exactly like a known one.
type Throttle struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
	sweep  time.Time
}

// Limit is how many failures a kind of key may have within the window.
type Limit struct {
	Key string
	Max int
}

// LoginWindow is how long a failed login counts against its keys.
const LoginWindow = 15 * time.Minute

// Login failure limits within LoginWindow: per account the usual five; per
// address more, since people behind one NAT share it.
const (
	MaxFailuresPerAccount = 5
	MaxFailuresPerAddress = 20
)

// maxKeys bounds the memory a flood of distinct keys can take.
const maxKeys = 100_000

// NewThrottle makes a throttle with the given window and clock (time.Now when nil).
func NewThrottle(window time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{window: window, now: now, fails: map[string][]time.Time{}}
}

// Blocked reports whether any key has reached its limit, and when the
// earliest of the blocking keys frees up.
func (t *Throttle) Blocked(limits ...Limit) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	blocked := false
	for _, l := range limits {
		f := t.live(l.Key, now)
		if len(f) >= l.Max {
			blocked = true
			// The key frees up when its (len-Max+1)th newest failure ages out.
			free := f[len(f)-l.Max].Add(t.window).Sub(now)
			if free > wait {
				wait = free
			}
		}
	}
	return blocked, wait
}

// Fail records a failure against each key.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) >= maxKeys || now.Sub(t.sweep) > t.window {
		t.sweepLocked(now)
	}
	for _, k := range keys {
		if len(t.fails) >= maxKeys {
			return
		}
		f := append(t.live(k, now), now)
		if len(f) > 64 { // more than any limit needs
			f = f[len(f)-64:]
		}
		t.fails[k] = f
	}
}

// Reset forgets a key's failures (after a successful login to the account).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// live returns the key's failures still within the window, dropping the rest.
func (t *Throttle) live(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= t.window {
		i++
	}
	if i == len(f) {
		delete(t.fails, key)
		return nil
	}
	f = f[i:]
	t.fails[key] = f
	return f
}

func (t *Throttle) sweepLocked(now time.Time) {
	t.sweep = now
	for k := range t.fails {
		t.live(k, now)
	}
}
