package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestHasherBoundsAndPriority: one turn, one ordinary and one priority
// waiter; a second ordinary waiter is refused at once; the priority
// waiter gets the freed turn first.
func TestHasherBoundsAndPriority(t *testing.T) {
	t.Parallel()
	h := NewHasher(1, 1, time.Minute)
	ctx := context.Background()
	release, err := h.Acquire(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 2)
	wait := func(name string, prio bool) {
		r, err := h.Acquire(ctx, prio)
		if err != nil {
			order <- "error " + err.Error()
			return
		}
		order <- name
		r()
	}
	go wait("ordinary", false)
	for h.queued(0) != 1 {
		time.Sleep(time.Millisecond)
	}
	go wait("priority", true)
	for h.queued(1) != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := h.Acquire(ctx, false); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third waiter: %v, want ErrBusy", err)
	}
	release()
	if a, b := <-order, <-order; a != "priority" || b != "ordinary" {
		t.Fatalf("turns went to %s then %s", a, b)
	}
	// Both waiters released their turns: the hasher is free again.
	r, err := h.Acquire(ctx, false)
	if err != nil {
		t.Fatalf("after the waiters: %v", err)
	}
	r()
}

func (h *Hasher) queued(q int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.queues[q])
}
