package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/jackc/pgx/v5"
)

// IdempotencyWindow is how long a publish Idempotency-Key is remembered.
const IdempotencyWindow = 24 * time.Hour

// Publish is one event to store and route.
type Publish struct {
	Event       string
	UserID      string
	Data        json.RawMessage // canonical, from webhook.ValidateData
	OccurredAt  time.Time
	RecordingID string
	// EndpointID, when set, sends the event to that endpoint only, whatever
	// it subscribes to: a test event (the "send test event" button and the
	// API's test route), whose delivery is marked Test (deliveries.test).
	EndpointID string
	// IdempotencyKey and RequestHash, when the key is set, make a repeat of
	// the same request within IdempotencyWindow return the first result.
	IdempotencyKey string
	RequestHash    []byte
}

// Published is the result of Publish.
type Published struct {
	EventID    string              `json:"eventId"`
	Deliveries []PublishedDelivery `json:"deliveries"`
	// Replayed is true when an Idempotency-Key matched an earlier publish.
	Replayed bool `json:"-"`
	// Queued is how many of the deliveries wait for a claim: those not
	// handed to this process's dispatcher (see Handoff), and
	// QueuedEndpoints their endpoints.
	Queued          int      `json:"-"`
	QueuedEndpoints []string `json:"-"`
}

// PublishedDelivery names one delivery made by a publish.
type PublishedDelivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpointId"`
}

// Publish stores the event, one delivery per target endpoint and each
// delivery's body, all at once, so no event exists without its deliveries.
// Bodies are rendered here, once; every attempt sends exactly these bytes.
// Without an Idempotency-Key, concurrent publishes share one statement and
// one commit (see publisher). ErrNotFound when the user does not exist.
func (s *Store) Publish(ctx context.Context, p Publish) (Published, error) {
	if p.IdempotencyKey == "" {
		return s.pub.publish(p)
	}
	now := s.Now()
	since := now.Add(-IdempotencyWindow)
	prev, err := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: since})
	switch {
	case err == nil:
		return replay(prev, p.RequestHash)
	case !errors.Is(err, pgx.ErrNoRows):
		return Published{}, wrap("publish", err)
	}
	var out Published
	err = s.inTx(ctx, func(q *db.Queries) error {
		if err := q.IdempotencyKeyDeleteExpired(ctx, db.IdempotencyKeyDeleteExpiredParams{Key: p.IdempotencyKey, Since: since}); err != nil {
			return err
		}
		// Not handed off: the rows must not be attempted before the
		// transaction commits.
		all, _ := s.publishBatch(ctx, q, []Publish{p}, now, false)
		res := all[0]
		if res.err != nil {
			return res.err
		}
		out = res.out
		resp, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return q.IdempotencyKeyInsert(ctx, db.IdempotencyKeyInsertParams{Key: p.IdempotencyKey, RequestHash: p.RequestHash, Response: resp})
	})
	err = wrap("publish", err)
	if errors.Is(err, ErrConflict) {
		// A concurrent request with the same key won the race: answer as it did.
		prev, gerr := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: since})
		if gerr == nil {
			return replay(prev, p.RequestHash)
		}
	}
	if err != nil {
		return Published{}, err
	}
	return out, nil
}

// publishIDs is how many delivery ids a publish offers an event of a
// user it knows nothing of: most users have a few endpoints. An event of a
// user with more matching endpoints is written in a second statement with
// as many ids as it needs, and the user's count is remembered (targetHints)
// so their next events need one.
const publishIDs = 8

// published is one event's outcome in a batch.
type published struct {
	out Published
	err error
}

// targetHints remembers how many endpoints an event of each user went to
// last, so a publish offers enough delivery ids at once. It is a hint: a
// wrong one costs a second statement, never a wrong write. Bounded: when
// full it starts afresh.
type targetHints struct {
	mu sync.Mutex
	n  map[string]int
}

const targetHintsMax = 10000

func (h *targetHints) get(user string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[user]
}

func (h *targetHints) set(user string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil || len(h.n) >= targetHintsMax {
		h.n = map[string]int{}
	}
	h.n[user] = n
}

// publishBatch writes events with EventPublishBatch: one statement for
// the batch, and one more for the events that needed more delivery ids
// than they were offered (a fan-out to many endpoints, the first time).
// err is the first statement's error, also given to each event.
// With handoff, the deliveries the dispatcher has room for are handed to
// it (see Handoff); only for a statement that commits on its own.
func (s *Store) publishBatch(ctx context.Context, q *db.Queries, ps []Publish, now time.Time, handoff bool) ([]published, error) {
	res := make([]published, len(ps))
	counts := make([]int, len(ps))
	for i, p := range ps {
		counts[i] = max(publishIDs, s.hints.get(p.UserID))
		if p.EndpointID != "" {
			counts[i] = 1 // the test button: one endpoint
		}
	}
	more, err := s.publishRound(ctx, q, ps, res, counts, now, handoff)
	if len(more) == 0 {
		return res, err
	}
	// Nothing of these was written: ask again, together, with as many ids
	// as each has targets.
	again := make([]Publish, len(more))
	againRes := make([]published, len(more))
	counts = counts[:len(more)]
	for k, m := range more {
		again[k], counts[k] = ps[m.i], m.targets
	}
	still, _ := s.publishRound(ctx, q, again, againRes, counts, now, handoff)
	for _, m := range still {
		againRes[m.i].err = &Conflict{"the user's endpoints changed while publishing: try again"}
	}
	for k, m := range more {
		res[m.i] = againRes[k]
	}
	return res, err
}

// needMore is an event that was not written for want of delivery ids.
type needMore struct{ i, targets int }

// publishRound runs one statement for ps, offering counts[i] ids to event
// i and filling res; it returns the events that need more ids.
func (s *Store) publishRound(ctx context.Context, q *db.Queries, ps []Publish, res []published, counts []int, now time.Time, handoff bool) (more []needMore, err error) {
	n := len(ps)
	params := db.EventPublishBatchParams{
		Now: now, IDBases: make([]int32, n), IDCounts: make([]int32, n),
		EventIds: make([]string, n), UserIds: make([]string, n), Types: make([]string, n),
		RecordingIds: make([]string, n), OccurredAt: make([]time.Time, n), EndpointIds: make([]string, n),
		BodyHeads: make([][]byte, n), BodyTails: make([][]byte, n),
	}
	ids := 0
	for i, p := range ps {
		params.IDBases[i], params.IDCounts[i] = int32(ids), int32(counts[i])
		ids += counts[i]
		params.EventIds[i] = webhook.NewID(webhook.PrefixEvent)
		params.UserIds[i], params.Types[i], params.RecordingIds[i] = p.UserID, p.Event, p.RecordingID
		params.OccurredAt[i], params.EndpointIds[i] = p.OccurredAt, p.EndpointID
		// The body of every delivery but for its id, split where the id
		// goes. The event name before it is one of a few fixed words, so
		// the first occurrence of the placeholder is the id's place.
		mark := webhook.NewID(webhook.PrefixDelivery)
		body := webhook.RenderBody(p.Event, mark, p.OccurredAt, p.Data)
		at := bytes.Index(body, []byte(mark))
		params.BodyHeads[i], params.BodyTails[i] = body[:at], body[at+len(mark):]
	}
	params.DeliveryIds = make([]string, ids)
	for i := range params.DeliveryIds {
		params.DeliveryIds[i] = webhook.NewID(webhook.PrefixDelivery)
	}
	var to Handoff
	var lease Lease
	if handoff {
		to, lease = s.leaseFor(now)
	}
	params.LeaseToken, params.LeaseMax, params.LeaseUntil = lease.Token, int32(lease.Max), lease.Until
	params.RoomEndpoints, params.RoomCounts, params.DefaultRoom = lease.RoomEndpoints, lease.RoomCounts, int32(lease.DefaultRoom)
	if params.RoomEndpoints == nil {
		params.RoomEndpoints, params.RoomCounts = []string{}, []int32{}
	}
	var leased []Claimed
	if to != nil {
		defer func() { to.PublishLeased(lease, leased, now) }()
	}
	rows, err := q.EventPublishBatch(ctx, params)
	if err != nil {
		err = wrap("publish", err)
		for i := range res {
			res[i].err = err
		}
		return nil, err
	}
	seen := -1
	for _, r := range rows {
		i := int(r.I) - 1
		o := &res[i]
		if i != seen && r.UserFound && ps[i].EndpointID == "" {
			s.hints.set(ps[i].UserID, int(r.Targets))
		}
		switch {
		case !r.UserFound:
			o.err = wrap("publish", fmt.Errorf("user %s: %w", ps[i].UserID, ErrNotFound))
		case !r.Written && int(r.Targets) > counts[i]:
			if i != seen {
				more = append(more, needMore{i: i, targets: int(r.Targets)})
			}
		case !r.Written:
			// The test button's endpoint was disabled or deleted meanwhile.
			o.err = &Conflict{"the endpoint is disabled or deleted"}
		default:
			o.out.EventID = params.EventIds[i]
			if o.out.Deliveries == nil {
				o.out.Deliveries = []PublishedDelivery{}
			}
			if r.DeliveryID != "" {
				o.out.Deliveries = append(o.out.Deliveries, PublishedDelivery{ID: r.DeliveryID, EndpointID: r.EndpointID})
				if r.Leased {
					leased = append(leased, leasedRow(ps[i], params.BodyHeads[i], params.BodyTails[i], &r, now))
				} else {
					o.out.Queued++
					if !slices.Contains(o.out.QueuedEndpoints, r.EndpointID) {
						o.out.QueuedEndpoints = append(o.out.QueuedEndpoints, r.EndpointID)
					}
				}
			}
		}
		seen = i
	}
	return more, nil
}

func replay(prev db.IdempotencyKey, hash []byte) (Published, error) {
	if !bytes.Equal(prev.RequestHash, hash) {
		return Published{}, ErrIdempotencyMismatch
	}
	var out Published
	if err := json.Unmarshal(prev.Response, &out); err != nil {
		return Published{}, wrap("publish: stored answer", err)
	}
	out.Replayed = true
	return out, nil
}
