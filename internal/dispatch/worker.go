package dispatch

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// run makes one attempt and hands its result to the completer, then
// starts the next row held for the same endpoint, if any, in the slot it
// just freed (see admission.finish). It wakes the claimer when the
// attempt's end lets a claim take more.
func (d *Dispatcher) run(c store.Claimed, token int64) {
	defer d.attempts.Done()
	for {
		began := time.Now()
		res, cancelled := d.attempt(c, token)
		next, ok, back, wake := d.adm.finish(c.EndpointID, time.Since(began), cancelled, d.stopping(), d.o.Now().UTC())
		if wake {
			signal(d.freed)
		}
		d.results <- outcome{result: res, release: cancelled}
		for _, h := range back {
			d.results <- outcome{result: store.Result{DeliveryID: h.c.ID, EndpointID: h.c.EndpointID, Token: h.token}, release: true}
		}
		if !ok {
			return
		}
		c, token = next.c, next.token
	}
}

// stopping reports whether Stop has been called.
func (d *Dispatcher) stopping() bool {
	select {
	case <-d.stopClaim:
		return true
	default:
		return false
	}
}

// attempt sends one delivery. cancelled is true when a hard stop cut it
// short: the delivery goes back to the queue with no attempt recorded.
func (d *Dispatcher) attempt(c store.Claimed, token int64) (res store.Result, cancelled bool) {
	start := d.o.Now().UTC()
	manual := c.ClaimManual
	res = store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, Token: token, Number: c.AttemptCount + 1, Manual: manual, StartedAt: start}

	ctx, cancel := context.WithTimeout(d.hardCtx, d.o.AttemptTimeout)
	defer cancel()
	code, body, truncated, outcome, errText := d.send(ctx, c)
	if d.hardCtx.Err() != nil && outcome != OutcomeSuccess {
		return res, true
	}
	finished := d.o.Now().UTC()
	res.DurationMs = int32(finished.Sub(start).Milliseconds())
	res.StatusCode, res.ResponseBody, res.Truncated = int32(code), body, truncated
	res.Outcome, res.Error = outcome, errText
	d.nextState(&res, c, finished)

	if outcome != OutcomeSuccess {
		d.log.Warn("attempt failed", "delivery_id", c.ID, "endpoint_id", c.EndpointID, "attempt", res.Number,
			"status", code, "outcome", outcome, "next_status", res.Status)
	}
	return res, false
}

// nextState applies the retry schedule. A manual attempt never shortens or
// resets the automatic schedule: it can only end the delivery by succeeding.
func (d *Dispatcher) nextState(res *store.Result, c store.Claimed, now time.Time) {
	success := res.Outcome == OutcomeSuccess
	res.AutoAttempts = c.AutoAttempts
	switch {
	case success:
		res.Status, res.CompletedAt = "succeeded", &now
		if !res.Manual {
			res.AutoAttempts++
		}
	case res.Manual:
		res.Status, res.NextAttemptAt = c.Status, c.NextAttemptAt
		if c.Status == "pending" {
			res.Status = "retrying"
		}
	default:
		res.AutoAttempts++
		if int(res.AutoAttempts) > len(d.o.Schedule) {
			res.Status, res.CompletedAt = "failed", &now
		} else {
			next := now.Add(d.o.Schedule[res.AutoAttempts-1])
			res.Status, res.NextAttemptAt = "retrying", &next
		}
	}
}

// sealedSecret is an endpoint's secret as last opened, with the sealed
// bytes it was opened from.
type sealedSecret struct {
	sealed, secret string
}

// secret opens the endpoint's sealed signing secret, once per sealed value:
// every claimed row carries the sealed bytes, and opening them for each
// attempt was 6% of the dispatcher's CPU in a drain. A rotation seals a
// new value, which misses the cache and is opened afresh.
func (d *Dispatcher) secret(endpointID string, sealed []byte) (string, error) {
	d.secretsMu.Lock()
	e, ok := d.secrets[endpointID]
	d.secretsMu.Unlock()
	if ok && e.sealed == string(sealed) {
		return e.secret, nil
	}
	secret, err := d.o.Store.OpenSecret(endpointID, sealed)
	if err != nil {
		return "", err
	}
	d.secretsMu.Lock()
	d.secrets[endpointID] = sealedSecret{sealed: string(sealed), secret: secret}
	d.secretsMu.Unlock()
	return secret, nil
}
