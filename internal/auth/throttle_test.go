package auth

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	th := NewThrottle(15*time.Minute, func() time.Time { return now })
	acct := Limit{Key: "acct:a@example.com", Max: 5}
	addr := Limit{Key: "ip:10.0.0.1", Max: 20}

	for i := range 5 {
		if blocked, _ := th.Blocked(acct, addr); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		th.Fail(acct.Key, addr.Key)
		now = now.Add(time.Minute)
	}
	blocked, wait := th.Blocked(acct, addr)
	if !blocked {
		t.Fatal("not blocked after 5 failures")
	}
	// The first failure was at 12:00, now is 12:05: it ages out at 12:15.
	if wait != 10*time.Minute {
		t.Fatalf("wait = %s, want 10m", wait)
	}
	// Another account from the same address is not blocked yet.
	if blocked, _ := th.Blocked(Limit{Key: "acct:b@example.com", Max: 5}, addr); blocked {
		t.Fatal("another account blocked by the first one's failures")
	}
	now = now.Add(10 * time.Minute)
	if blocked, _ := th.Blocked(acct, addr); blocked {
		t.Fatal("still blocked once the oldest failure left the window")
	}
	th.Fail(acct.Key)
	th.Reset(acct.Key)
	if blocked, _ := th.Blocked(acct); blocked {
		t.Fatal("blocked after reset")
	}
}

func TestThrottleAddressLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	th := NewThrottle(15*time.Minute, func() time.Time { return now })
	addr := Limit{Key: "ip:10.0.0.1", Max: 20}
	for i := range 20 {
		th.Fail("acct:user"+string(rune('a'+i))+"@example.com", addr.Key)
	}
	if blocked, _ := th.Blocked(Limit{Key: "acct:new@example.com", Max: 5}, addr); !blocked {
		t.Fatal("address not blocked after 20 failures across accounts")
	}
}

// TestThrottleFullTableStillCounts: a table filled with other keys drops
// its oldest, and a new key's failures still count to its limit.
func TestThrottleFullTableStillCounts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	th := NewThrottle(15*time.Minute, func() time.Time { return now })
	for i := range DefaultMaxKeys {
		th.Fail("address:flood-" + strconv.Itoa(i))
	}
	victim := Limit{Key: "account:victim@example.com", Max: 5}
	for range 5 {
		th.Fail(victim.Key)
	}
	if blocked, _ := th.Blocked(victim); !blocked {
		t.Fatal("failures not counted once the table was full: the throttle failed open")
	}
	// The oldest flood key made room; a recent one is still there.
	if blocked, _ := th.Blocked(Limit{Key: "address:flood-0", Max: 1}); blocked {
		t.Fatal("the oldest key was not evicted")
	}
	if blocked, _ := th.Blocked(Limit{Key: "address:flood-" + strconv.Itoa(DefaultMaxKeys-1), Max: 1}); !blocked {
		t.Fatal("a recent key was evicted")
	}
}

func TestThrottleTakeCountsBeforeAndForgets(t *testing.T) {
	t.Parallel()
	th := NewThrottle(15*time.Minute, nil)
	l := Limit{Key: "pair:x", Max: 3}
	for i := range 3 {
		if ok, _ := th.Take(l); !ok {
			t.Fatalf("refused at attempt %d", i+1)
		}
	}
	if ok, wait := th.Take(l); ok || wait <= 0 {
		t.Fatalf("fourth attempt: ok %v, wait %s", ok, wait)
	}
	th.Forget(l.Key)
	if ok, _ := th.Take(l); !ok {
		t.Fatal("a forgotten attempt still counts")
	}
	k := NewKnownGood(nil)
	if k.Known("good:a") {
		t.Fatal("known before any login")
	}
	k.Remember("good:a")
	if !k.Known("good:a") {
		t.Fatal("not known after a login")
	}
}
