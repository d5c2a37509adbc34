package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Delivery is a delivery with its place in the queue (delivery_queue,
// migrations/00004_queue.sql).
type Delivery struct {
	db.Delivery
	InFlight          bool       // a worker holds it: an attempt is being made
	ManualRequestedAt *time.Time // a manual attempt is requested and waits for a worker
}

// deliveryCols and deliveryFrom select a Delivery (RowToStructByPos) in
// the hand-built lists; DeliveryGet in queries/deliveries.sql is the same.
const (
	deliveryCols = "d.*, q.claim_token IS NOT NULL, q.manual_requested_at"
	deliveryFrom = "deliveries d LEFT JOIN delivery_queue q ON q.delivery_id = d.id"
)

func fromGetRow(r db.DeliveryGetRow) Delivery {
	return Delivery{Delivery: r.Delivery, InFlight: r.InFlight, ManualRequestedAt: r.ManualRequestedAt}
}

// Attempt is one recorded attempt of a delivery.
type Attempt = db.Attempt

// DeliveryDetail is a delivery with its exact body and its attempts.
type DeliveryDetail struct {
	Delivery
	Body     []byte // nil once retention pruned it
	Attempts []Attempt
}

// DeliveryGet returns a delivery.
func (s *Store) DeliveryGet(ctx context.Context, id string) (Delivery, error) {
	d, err := s.q.DeliveryGet(ctx, id)
	return fromGetRow(d), wrap("delivery get", err)
}

// DeliveryDetail returns a delivery with its body and attempts, oldest first.
// The reads share one snapshot (REPEATABLE READ), so the delivery's state
// and its attempts always agree: read one by one, a completion committing
// in between showed a pending delivery next to its successful attempt.
func (s *Store) DeliveryDetail(ctx context.Context, id string) (DeliveryDetail, error) {
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return DeliveryDetail{}, wrap("delivery detail", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	q := s.q.WithTx(tx)
	d, err := q.DeliveryGet(ctx, id)
	if err != nil {
		return DeliveryDetail{}, wrap("delivery detail", err)
	}
	out := DeliveryDetail{Delivery: fromGetRow(d)}
	if out.Body, err = q.PayloadGet(ctx, db.PayloadGetParams{DeliveryID: id, EventID: d.Delivery.EventID}); err != nil {
		return DeliveryDetail{}, wrap("delivery payload", err)
	}
	if out.Attempts, err = q.AttemptListByDelivery(ctx, id); err != nil {
		return DeliveryDetail{}, wrap("delivery attempts", err)
	}
	return out, nil
}

// DeliveryFilter selects deliveries for a list; empty fields do not filter.
type DeliveryFilter struct {
	UserID     string
	EndpointID string
	Status     string
	Event      string
	ID         string // one delivery by id (the drawer's search)
	// RecordingID matches the event's data.recordingId (events.recording_id).
	RecordingID string
	// Outcome is the last attempt's outcome (deliveries.last_outcome). It
	// has no index (the completion writes it; see 00010_attempt_facts.sql):
	// it filters the rows the other conditions' index scan reads.
	Outcome string
	// EventID is one event's deliveries; IDPrefix the deliveries whose id
	// starts with it; StatusCode the last response's code (0: any).
	EventID    string
	IDPrefix   string
	StatusCode int32
	Since      *time.Time // created at or after
	Before     *time.Time // created before
	Limit      int
	Cursor     string // from a previous page's NextCursor
}

// where adds the filter's conditions over deliveries d, the cursor's included.
func (f DeliveryFilter) where(c *sqlConds) error {
	add, arg := c.add, c.arg
	if f.UserID != "" {
		add("d.user_id = " + arg(f.UserID))
	}
	if f.EndpointID != "" {
		add("d.endpoint_id = " + arg(f.EndpointID))
	}
	statusCond(c, f.Status)
	if f.Event != "" {
		add("d.event_type = " + arg(f.Event))
	}
	if f.ID != "" {
		add("d.id = " + arg(f.ID))
	}
	findConds(c, f.RecordingID, f.EventID, f.IDPrefix, f.Outcome, f.StatusCode)
	if f.Since != nil {
		add("d.created_at >= " + arg(*f.Since))
	}
	if f.Before != nil {
		add("d.created_at < " + arg(*f.Before))
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return err
		}
		add(c.keysetBefore(at, id))
	}
	return nil
}

// DeliveryPage is one newest-first page.
type DeliveryPage struct {
	Deliveries []Delivery
	NextCursor string // empty on the last page
}

// DeliveryList returns deliveries newest first, paged by keyset on
// (created_at, id): no OFFSET, no count, one index range scan per page.
func (s *Store) DeliveryList(ctx context.Context, f DeliveryFilter) (DeliveryPage, error) {
	page, err := s.deliveryPage(ctx, f, pageLimit(f.Limit))
	return page, wrap("delivery list", err)
}

func (s *Store) deliveryPage(ctx context.Context, f DeliveryFilter, limit int) (DeliveryPage, error) {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return DeliveryPage{}, err
	}
	sql := fmt.Sprintf("SELECT %s FROM %s %s ORDER BY d.created_at DESC, d.id DESC LIMIT %d", deliveryCols, deliveryFrom, c.where(), limit+1)
	rows, err := s.Pool.Query(ctx, sql, c.queryArgs()...)
	if err != nil {
		return DeliveryPage{}, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
	if err != nil {
		return DeliveryPage{}, err
	}
	var page DeliveryPage
	page.Deliveries, page.NextCursor = cutPage(list, limit, func(d Delivery) (time.Time, string) { return d.CreatedAt, d.ID })
	return page, nil
}

// exportPage is the rows an export reads per query.
const exportPage = 500

// DeliveryExport calls fn with every delivery f matches, newest first
// (f.Limit is ignored), reading them by keyset pages of exportPage rows:
// an export of any size holds one page in memory. Each page is its own
// query, so the export is not one snapshot; the keyset makes sure no
// delivery comes twice. fn's error stops the export and is returned.
func (s *Store) DeliveryExport(ctx context.Context, f DeliveryFilter, fn func(Delivery) error) error {
	for {
		page, err := s.deliveryPage(ctx, f, exportPage)
		if err != nil {
			return wrap("delivery export", err)
		}
		for _, d := range page.Deliveries {
			if err := fn(d); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// findConds adds the search filters the API, the drawer and the admin list
// share. A recording id is found through events_recording_idx, an event id
// through deliveries' event index. An id prefix is a range on the primary
// key (ids are ASCII; the range reads only the ids that start with it in
// the byte order PostgreSQL's C and C.UTF-8 collations use) and, so that a
// collation of another order can never match a wrong row, starts_with too.
// The outcome and the code have no index (the completion writes them; see
// 00010_attempt_facts.sql): they filter the rows the other conditions read.
func findConds(c *sqlConds, recordingID, eventID, idPrefix, outcome string, code int32) {
	add, arg := c.add, c.arg
	if recordingID != "" {
		add("d.event_id IN (SELECT ev.id FROM events ev WHERE ev.recording_id = " + arg(recordingID) + ")")
	}
	if eventID != "" {
		add("d.event_id = " + arg(eventID))
	}
	if idPrefix != "" {
		p := arg(idPrefix)
		add("d.id >= " + p + " AND d.id < " + arg(idPrefix+"\x7f") + " AND starts_with(d.id, " + p + ")")
	}
	if outcome != "" {
		add("d.last_outcome = " + arg(outcome))
	}
	if code != 0 {
		add("d.last_status_code = " + arg(code))
	}
}

// statusCond filters by a delivery's status. Retrying and failed
// deliveries are found through the indexes on deliveries.problem
// (migrations/00008: they are the only statuses indexed, so recording a
// success rewrites no index). A pending delivery is always in the queue:
// naming it lets PostgreSQL start from the queue's rows instead of
// walking an endpoint's every delivery to find the few pending ones.
// Succeeded is most deliveries: the list's own index, filtered, finds them.
func statusCond(c *sqlConds, status string) {
	switch status {
	case "":
	case webhook.StatusRetrying, webhook.StatusFailed:
		c.add("d.problem = " + c.arg(status))
	case webhook.StatusPending:
		c.add("d.status = 'pending'")
		c.add("d.id IN (SELECT pq.delivery_id FROM delivery_queue pq)")
	default:
		c.add("d.status = " + c.arg(status))
	}
}

// DeliveryRetry queues one manual attempt. It never touches the automatic
// schedule. A Conflict when an attempt is in flight or already requested,
// or the endpoint no longer takes deliveries.
func (s *Store) DeliveryRetry(ctx context.Context, a Actor, id string) (Delivery, error) {
	row, err := s.q.DeliveryGet(ctx, id)
	d := fromGetRow(row)
	if err != nil {
		return Delivery{}, wrap("delivery retry", err)
	}
	ep, err := s.q.EndpointGet(ctx, d.EndpointID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, &Conflict{"the endpoint of this delivery was deleted"}
	} else if err != nil {
		return Delivery{}, wrap("delivery retry", err)
	}
	if !ep.Enabled {
		return Delivery{}, &Conflict{"the endpoint is disabled: enable it before retrying its deliveries"}
	}
	err = s.inTx(ctx, func(q *db.Queries) error {
		n, err := q.DeliveryRequestManual(ctx, db.DeliveryRequestManualParams{ID: id, Now: s.Now()})
		if err != nil {
			return err
		}
		if n == 0 {
			return &Conflict{"an attempt of this delivery is in flight or already requested"}
		}
		if row, err = q.DeliveryGet(ctx, id); err != nil {
			return err
		}
		d = fromGetRow(row)
		return audit(ctx, q, a, d.UserID, "delivery.retried", id, nil)
	})
	if err != nil {
		return Delivery{}, wrap("delivery retry", err)
	}
	return d, nil
}
