package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlConds collects the conditions of a WHERE clause whose filters are
// optional, numbering the parameters as they come. It is how the drawer,
// the admin list and recoveries build their queries: separate statements
// per filter set give the planner each filter's own index, which one
// statement with "$1 IS NULL OR ..." would not.
//
// Placeholders come from arg and are put into the condition by the caller;
// the SQL text is never searched or rewritten, so a '?' or '$' inside a
// literal (a regular expression, say) stays what it is.
type sqlConds struct {
	conds []string
	args  []any // parameters, including any the caller put first
}

// arg binds v as the next parameter and returns its placeholder, $n.
func (c *sqlConds) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// add appends a condition whose placeholders came from arg.
func (c *sqlConds) add(cond string) {
	c.conds = append(c.conds, cond)
}

// keysetBefore is the newest-first keyset condition: rows older than the
// cursor's (created_at, id).
func (c *sqlConds) keysetBefore(at time.Time, id string) string {
	return "(d.created_at, d.id) < (" + c.arg(at) + ", " + c.arg(id) + ")"
}

// where is the WHERE clause, or "" when there are no conditions.
func (c *sqlConds) where() string {
	if len(c.conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(c.conds, " AND ")
}

// queryArgs are the arguments for Query/QueryRow: the parameters, planned
// with their values every time. pgx prepares and caches statements, and
// PostgreSQL switches a prepared statement to a generic plan after five
// runs; in a generic plan a filter's value is unknown, so a status filter
// cannot pick the partial index of failed deliveries and walks every
// delivery instead (1,000,000 stored: 80 ms against 7 ms). These queries
// are few per page view; planning each (well under a millisecond) is the
// cheaper side.
func (c *sqlConds) queryArgs() []any {
	return append([]any{pgx.QueryExecModeExec}, c.args...)
}
