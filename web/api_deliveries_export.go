package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// exportColumns are the CSV export's columns, in the contract's order.
var exportColumns = []string{"id", "eventId", "endpointId", "userId", "event", "status", "attemptCount",
	"lastStatusCode", "lastOutcome", "createdAt", "completedAt"}

// exportWriteWindow is how long the client has to take each page of an
// export: the server's WriteTimeout would cut a long export short, so the
// deadline moves on with every page written instead.
const exportWriteWindow = time.Minute

// apiDeliveryExport streams every delivery the list's filters match,
// newest first, as CSV or NDJSON (one Delivery object a line). Rows are
// read by keyset pages (store.DeliveryExport) and written as they come,
// so an export of any size holds one page in memory. Bad input is an error
// before the first byte; a failure after it aborts the response, so a
// cut-short download cannot pass for a complete one.
func (s *Server) apiDeliveryExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, fields := deliveryFilterFromQuery(q)
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "ndjson" {
		fields["format"] = "must be csv or ndjson"
	}
	if len(fields) > 0 {
		return errValidation(fields)
	}
	return s.streamDeliveries(w, r, format, func(ctx context.Context, fn func(store.Delivery) error) error {
		return s.store.DeliveryExport(ctx, f, fn)
	})
}

// streamDeliveries writes what export reads as CSV or NDJSON, as an
// attachment, page by page: the API's export and the dashboard's (the
// drawer's, the admin list's) are this one function.
func (s *Server) streamDeliveries(w http.ResponseWriter, r *http.Request, format string,
	export func(context.Context, func(store.Delivery) error) error) error {
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 32<<10)
	cw := csv.NewWriter(bw)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	rows := 0
	start := func() {
		h := w.Header()
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/x-ndjson")
		}
		name := "deliveries-" + time.Now().UTC().Format("20060102T150405Z") + "." + format
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if format == "csv" {
			_ = cw.Write(exportColumns)
		}
	}
	err := export(r.Context(), func(d store.Delivery) error {
		if rows == 0 {
			start()
		}
		if rows%500 == 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		}
		rows++
		if format == "csv" {
			return cw.Write(exportRow(d))
		}
		return enc.Encode(toDeliveryJSON(d))
	})
	if err != nil {
		if rows == 0 {
			return deliveryListErr(err)
		}
		s.log.WarnContext(r.Context(), "delivery export cut short", "rows", rows, "err", err)
		panic(http.ErrAbortHandler)
	}
	if rows == 0 {
		start()
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil // the client went away
	}
	_ = bw.Flush()
	return nil
}

// exportRow is one delivery as exportColumns; null values are empty.
func exportRow(d store.Delivery) []string {
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return webhook.FormatTime(*t)
	}
	code, outcome := "", ""
	if d.LastStatusCode != nil {
		code = strconv.Itoa(int(*d.LastStatusCode))
	}
	if d.LastOutcome != nil {
		outcome = *d.LastOutcome
	}
	return []string{d.ID, d.EventID, d.EndpointID, d.UserID, d.EventType, d.Status, strconv.Itoa(int(d.AttemptCount)),
		code, outcome, webhook.FormatTime(d.CreatedAt), opt(d.CompletedAt)}
}
