package auth

import (
	"container/list"
	"sync"
	"time"
)

// Throttle counts attempts per key (an account, an address, the pair) in
// a sliding window, in memory. It is per process on purpose: it needs no
// table and no cleanup job, and an attacker spreading guesses across several
// instances still meets each instance's limit, so the effective limit is
// at most the instance count times Max. A restart forgets the counts.
//
// Take checks and counts in one step, before the password is hashed, so
// neither a burst of simultaneous guesses nor the hashing's cost gets past
// a limit; the caller forgets the attempt again when it succeeds. A
// locked-out key gets the same answer whether or not the password would
// have been right, and an unknown email counts exactly like a known one.
//
// The table holds at most maxKeys keys: when a new key finds it full, the
// key written longest ago is dropped. A flood of distinct keys can only
// make the throttle forget its oldest keys, never stop counting.
type Throttle struct {
	mu      sync.Mutex
	window  time.Duration
	now     func() time.Time
	maxKeys int
	keys    map[string]*list.Element // of *entry
	order   *list.List               // least recently written first
	sweep   time.Time
}

type entry struct {
	key   string
	times []time.Time // failures (or, for Remember, the last success)
}

// Limit is how many failures a kind of key may have within the window.
type Limit struct {
	Key string
	Max int
}

// LoginWindow is how long a failed login counts against its keys.
const LoginWindow = 15 * time.Minute

// Login failure limits within LoginWindow.
//
// Per address and account, the usual five. Per account, from any address,
// ten: enough for the owner's own typos from two places, low enough to stop
// a guesser who spreads over addresses; an address the account logged in
// from before is exempt from it (KnownGoodWindow), so a guesser elsewhere
// cannot lock the owner out, only the pair limit applies there. Per address
// more, since people behind one NAT share it.
const (
	MaxFailuresPerPair    = 5
	MaxFailuresPerAccount = 10
	MaxFailuresPerAddress = 20
)

// Sign-up attempts per address within SignupWindow: a few accounts for the
// people behind one address, not a flood of password hashes.
const (
	SignupWindow         = time.Hour
	MaxSignupsPerAddress = 10
)

// KnownGoodWindow is how long a successful login makes its address known
// good for its account.
const KnownGoodWindow = 30 * 24 * time.Hour

// DefaultMaxKeys bounds the memory a flood of distinct keys can take.
const DefaultMaxKeys = 100_000

// NewThrottle makes a throttle with the given window and clock (time.Now
// when nil), holding at most DefaultMaxKeys keys.
func NewThrottle(window time.Duration, now func() time.Time) *Throttle {
	return NewThrottleSize(window, now, DefaultMaxKeys)
}

// NewThrottleSize is NewThrottle holding at most maxKeys keys.
func NewThrottleSize(window time.Duration, now func() time.Time, maxKeys int) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{window: window, now: now, maxKeys: max(maxKeys, 1), keys: map[string]*list.Element{}, order: list.New()}
}

// Blocked reports whether any key has reached its limit, and when the
// earliest of the blocking keys frees up.
func (t *Throttle) Blocked(limits ...Limit) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.blockedLocked(t.now(), limits)
}

// Take counts an attempt against every key unless one is already at its
// limit; then it counts nothing and says how long until it frees up.
func (t *Throttle) Take(limits ...Limit) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if blocked, wait := t.blockedLocked(now, limits); blocked {
		return false, wait
	}
	for _, l := range limits {
		t.failLocked(l.Key, now)
	}
	return true, 0
}

func (t *Throttle) blockedLocked(now time.Time, limits []Limit) (bool, time.Duration) {
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
	for _, k := range keys {
		t.failLocked(k, now)
	}
}

func (t *Throttle) failLocked(key string, now time.Time) {
	if now.Sub(t.sweep) > t.window {
		t.sweepLocked(now)
	}
	e := t.entryLocked(key)
	e.times = append(e.times, now)
	if len(e.times) > 64 { // more than any limit needs
		e.times = e.times[len(e.times)-64:]
	}
}

// entryLocked is key's entry, made (evicting the least recently written
// key when the table is full) if it has none, and marked as just written.
func (t *Throttle) entryLocked(key string) *entry {
	if el, ok := t.keys[key]; ok {
		t.order.MoveToBack(el)
		return el.Value.(*entry)
	}
	for len(t.keys) >= t.maxKeys {
		oldest := t.order.Front()
		t.order.Remove(oldest)
		delete(t.keys, oldest.Value.(*entry).key)
	}
	e := &entry{key: key}
	t.keys[key] = t.order.PushBack(e)
	return e
}

// Forget takes back the newest attempt counted against each key (Take's,
// once the attempt succeeded).
func (t *Throttle) Forget(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if el, ok := t.keys[k]; ok {
			e := el.Value.(*entry)
			if len(e.times) > 0 {
				e.times = e.times[:len(e.times)-1]
			}
		}
	}
}

// Reset forgets a key's failures (after a successful login to the account).
func (t *Throttle) Reset(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.removeLocked(k)
	}
}

func (t *Throttle) removeLocked(key string) {
	if el, ok := t.keys[key]; ok {
		t.order.Remove(el)
		delete(t.keys, key)
	}
}

// live returns the key's failures still within the window, dropping the rest.
func (t *Throttle) live(key string, now time.Time) []time.Time {
	el, ok := t.keys[key]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	i := 0
	for i < len(e.times) && now.Sub(e.times[i]) >= t.window {
		i++
	}
	if i == len(e.times) {
		t.removeLocked(key)
		return nil
	}
	e.times = e.times[i:]
	return e.times
}

func (t *Throttle) sweepLocked(now time.Time) {
	t.sweep = now
	for k := range t.keys {
		t.live(k, now)
	}
}

// KnownGood remembers which addresses an account logged in from, for
// KnownGoodWindow, in the same bounded table as the throttle's.
type KnownGood struct{ t *Throttle }

// NewKnownGood makes an empty memory of good logins.
func NewKnownGood(now func() time.Time) KnownGood {
	return KnownGood{NewThrottle(KnownGoodWindow, now)}
}

// Remember notes a successful login under key (account and address).
func (k KnownGood) Remember(key string) {
	k.t.Reset(key)
	k.t.Fail(key)
}

// Known reports whether key logged in successfully within KnownGoodWindow.
func (k KnownGood) Known(key string) bool {
	known, _ := k.t.Blocked(Limit{Key: key, Max: 1})
	return known
}
