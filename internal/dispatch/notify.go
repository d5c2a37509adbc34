package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// listen wakes the claimer when another process publishes.
func (d *Dispatcher) listen(ctx context.Context, pool *pgxpool.Pool) {
	defer d.loops.Done()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-d.stopClaim; cancel() }()
	for failures := 0; lctx.Err() == nil; {
		err := d.listenOnce(lctx, pool)
		if lctx.Err() != nil {
			return
		}
		failures++
		d.log.Warn("listen connection lost; reconnecting", "err", err)
		if !d.sleep(backoff(failures)) {
			return
		}
	}
}

func (d *Dispatcher) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Conn().Close(ctx) //nolint:errcheck // the connection is discarded anyway
		return err
	}
	signal(d.wake) // catch up on what was published while not listening
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			// Don't return a connection with LISTEN state to the pool.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
			return err
		}
		if n.Payload == d.name {
			// Our own, echoed: what it announced woke this claimer already
			// (or was meant for the others only, see write).
			continue
		}
		signal(d.wake)
	}
}

// notifier sends one NOTIFY per burst of local wake-ups, so a publish
// transaction never carries one and a burst of publishes costs one. Its
// payload is this dispatcher's name, so its own listener can tell it from
// the other processes'.
func (d *Dispatcher) notifier(ctx context.Context, pool *pgxpool.Pool) {
	defer d.loops.Done()
	for {
		select {
		case <-d.stopClaim:
			return
		case <-d.notify:
		}
		if _, err := pool.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, d.name); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Debug("notify failed; other processes poll", "err", err)
		}
		if !d.sleep(5 * time.Millisecond) {
			return
		}
	}
}
