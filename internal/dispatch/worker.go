package dispatch

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// job is a claimed row for a worker to attempt.
type job struct {
	c     store.Claimed
	token int64
}

// workerIdle is how long a worker waits for its next job before it ends.
const workerIdle = 10 * time.Second

// worker runs jobs until none comes for workerIdle, or the dispatcher
// stops. startAll hands a job to a worker waiting on d.idle and starts a
// new one only when none is, so a busy process keeps a pool of as many
// workers as it has attempts in flight. A goroutine per attempt was ~9 %
// of the dispatcher's CPU in a drain, growing a fresh stack (copystack)
// through the HTTP client for every attempt.
func (d *Dispatcher) worker(j job) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		d.run(j.c, j.token)
		t.Reset(workerIdle)
		select {
		case j = <-d.idle:
		case <-t.C:
			return
		case <-d.stopClaim:
			return
		}
	}
}

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
	res = store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, EndpointFailing: c.EndpointFailing,
		Token: token, Number: c.AttemptCount + 1, Manual: manual, StartedAt: start}

	ctx, cancel := context.WithTimeout(d.hardCtx, d.o.AttemptTimeout)
	defer cancel()
	tr := newPhaseTrace()
	code, body, truncated, outcome, errText := d.send(ctx, c, start, tr)
	if d.hardCtx.Err() != nil && outcome != OutcomeSuccess {
		return res, true
	}
	tr.record(&res)
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
		res.Status, res.CompletedAt = webhook.StatusSucceeded, &now
		if !res.Manual {
			res.AutoAttempts++
		}
	case res.Manual:
		res.Status, res.NextAttemptAt = c.Status, c.NextAttemptAt
		if c.Status == webhook.StatusPending {
			res.Status = webhook.StatusRetrying
		}
	default:
		res.AutoAttempts++
		if int(res.AutoAttempts) > len(d.o.Schedule) {
			res.Status, res.CompletedAt = webhook.StatusFailed, &now
		} else {
			next := now.Add(d.o.Schedule[res.AutoAttempts-1])
			res.Status, res.NextAttemptAt = webhook.StatusRetrying, &next
		}
	}
}

// openedSecret is a sealed signing secret and what it opens to.
type openedSecret struct {
	sealed, secret string
	// std is the Standard Webhooks key; nil for a secret of the older form.
	std []byte
}

// sealedSecret is an endpoint's last two opened secrets: while a rotation
// is pending, every attempt uses both the active and the pending one.
type sealedSecret struct {
	last, before openedSecret
}

// secret opens one of the endpoint's sealed signing secrets, once per
// sealed value: every claimed row carries the sealed bytes, and opening
// them for each attempt was 6% of the dispatcher's CPU in a drain. A
// rotation seals a new value, which misses the cache and is opened afresh.
func (d *Dispatcher) secret(endpointID string, sealed []byte) (openedSecret, error) {
	d.secretsMu.Lock()
	e, ok := d.secrets[endpointID]
	d.secretsMu.Unlock()
	switch {
	case ok && e.last.sealed == string(sealed):
		return e.last, nil
	case ok && e.before.sealed == string(sealed):
		return e.before, nil
	}
	secret, err := d.o.Store.OpenSecret(endpointID, sealed)
	if err != nil {
		return openedSecret{}, err
	}
	o := openedSecret{sealed: string(sealed), secret: secret}
	o.std, _ = webhook.StandardKey(secret)
	d.secretsMu.Lock()
	d.secrets[endpointID] = sealedSecret{last: o, before: d.secrets[endpointID].last}
	d.secretsMu.Unlock()
	return o, nil
}

// signingSecrets returns the secrets an attempt sent at now is signed
// with: the active one, and a pending one while its changeover time is
// still ahead (ok false when none is). The claim returns the pending
// secret and its time with the row, so the changeover is decided here, at
// the moment of sending, with no query of its own; being data in the
// endpoint row, it holds across restarts and between processes.
func (d *Dispatcher) signingSecrets(c store.Claimed, now time.Time) (active, pending openedSecret, ok bool, err error) {
	sealed := c.SecretEncrypted
	if c.PendingSecretEncrypted != nil && c.SecretActivatesAt != nil {
		if !now.Before(*c.SecretActivatesAt) {
			sealed = c.PendingSecretEncrypted
		} else {
			ok = true
		}
	}
	if active, err = d.secret(c.EndpointID, sealed); err != nil || !ok {
		return active, openedSecret{}, false, err
	}
	pending, err = d.secret(c.EndpointID, c.PendingSecretEncrypted)
	return active, pending, err == nil, err
}
