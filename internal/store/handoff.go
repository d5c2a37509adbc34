package store

import (
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Handoff lets a publish give the deliveries it makes straight to this
// process's dispatcher. The publish statement writes them already claimed
// (leased to a token, as DeliveryClaimDue would), within the room the
// dispatcher says it has, and returns what an attempt needs; once it has
// committed, the dispatcher starts them. A fresh delivery then costs no
// claim statement, no NOTIFY and no wake-up of the claimer: the claims
// were a fifth to a quarter of PostgreSQL's statement time under publishes
// (scripts/profile.sh LOGSTMT=1: 19 % with 16 API clients, 27 % in a
// fan-out), and their round trip part of each delivery's latency.
//
// Nothing of the guarantees changes: the rows are written and committed
// by the publish as before, leased exactly as a claim leases them, so if
// the process dies before their attempts are recorded, their lease ends
// and any process claims them (the lost attempt recorded as interrupted),
// and their completion is fenced by the token like any other.
type Handoff interface {
	// PublishLease says what the next publish statement may lease (ok
	// false: nothing). When ok, PublishLeased must follow, once.
	PublishLease(now time.Time) (l Lease, ok bool)
	// PublishLeased gets the rows the statement leased, after it
	// committed; none when it failed.
	PublishLeased(l Lease, rows []Claimed, now time.Time)
}

// Lease is what one publish statement may lease: at most Max deliveries,
// RoomCounts[i] of endpoint RoomEndpoints[i] and DefaultRoom of any other,
// to Token, until Until.
type Lease struct {
	Token         int64
	Max           int
	RoomEndpoints []string
	RoomCounts    []int32
	DefaultRoom   int
	Until         time.Time
}

// handoffHolder holds the registered Handoff (an interface in an atomic.Pointer).
type handoffHolder struct{ h Handoff }

// SetHandoff registers the dispatcher publishes hand their deliveries to
// (nil: none; every delivery waits for a claim).
func (s *Store) SetHandoff(h Handoff) {
	if h == nil {
		s.handoff.Store(nil)
		return
	}
	s.handoff.Store(&handoffHolder{h})
}

// leaseFor is the lease a publish statement may use, with the Handoff to
// give its rows to (nil: none).
func (s *Store) leaseFor(now time.Time) (Handoff, Lease) {
	hh := s.handoff.Load()
	if hh == nil {
		return nil, Lease{}
	}
	l, ok := hh.h.PublishLease(now)
	if !ok {
		return nil, Lease{}
	}
	return hh.h, l
}

// leasedRow is a leased delivery as the claim would have returned it:
// its first attempt, due now.
func leasedRow(p Publish, head, tail []byte, r *db.EventPublishBatchRow, now time.Time) Claimed {
	body := make([]byte, 0, len(head)+len(r.DeliveryID)+len(tail))
	body = append(append(append(body, head...), r.DeliveryID...), tail...)
	due := now
	return Claimed{
		ID: r.DeliveryID, EndpointID: r.EndpointID, EventType: p.Event,
		Status: webhook.StatusPending, NextAttemptAt: &due,
		Url: r.Url, SecretEncrypted: r.SecretEncrypted, PendingSecretEncrypted: r.PendingSecretEncrypted,
		SecretActivatesAt: r.SecretActivatesAt, StandardWebhooks: r.StandardWebhooks,
		EndpointFailing: r.EndpointFailing, Body: body,
	}
}
