package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The lists (deliveries, the admin's deliveries, the audit log) are newest
// first and paged by keyset on (created_at, id): no OFFSET, no count, one
// index range scan per page. A page reads one row more than it shows; that
// row says whether there is a next page, whose cursor is the last row shown.

// pageLimit is the rows a page shows: 1 to 100 [50].
func pageLimit(n int) int {
	if n <= 0 || n > 100 {
		return 50
	}
	return n
}

// cutPage cuts rows, read with limit+1, to the page: the first limit rows,
// and the cursor after the last of them (empty on the last page).
func cutPage[T any](rows []T, limit int, key func(T) (time.Time, string)) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	at, id := key(rows[limit-1])
	return rows[:limit], encodeCursor(at, id)
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + id))
}

// maxCursorMicros is the latest time a cursor may hold: the year 9999.
var maxCursorMicros = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()

func decodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	micros, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(micros, 10, 64)
	// A cursor is the client's input: an id PostgreSQL cannot hold (NUL,
	// invalid UTF-8) or a time outside its range would be a database
	// error, so it is a bad cursor like any other we did not make.
	if !ok || err != nil || id == "" || !utf8.ValidString(id) || strings.ContainsRune(id, 0) ||
		n < 0 || n > maxCursorMicros {
		return time.Time{}, "", ErrBadCursor
	}
	return time.UnixMicro(n).UTC(), id, nil
}
