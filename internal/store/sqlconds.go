package store

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// sqlConds collects the conditions of a WHERE clause whose filters are
// optional, numbering the parameters as they come. It is how the drawer,
// the admin list and recoveries build their queries: separate statements
// per filter set give the planner each filter's own index, which one
// statement with "$1 IS NULL OR ..." would not.
type sqlConds struct {
	conds []string
	args  []any // parameters, including any the caller put first
}

// add appends cond with its ? placeholders bound to vals: with one value,
// every ? is that value; with several, each ? takes the next one.
func (c *sqlConds) add(cond string, vals ...any) {
	var b strings.Builder
	first := len(c.args) + 1
	c.args = append(c.args, vals...)
	n := 0
	for _, r := range cond {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		b.WriteString("$" + strconv.Itoa(first+min(n, len(vals)-1)))
		n++
	}
	c.conds = append(c.conds, b.String())
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
