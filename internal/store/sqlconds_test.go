package store

import (
	"reflect"
	"testing"
)

func TestSQLConds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		before    []any
		build     func(c *sqlConds)
		wantWhere string
		wantArgs  []any
	}{
		{"none", nil, func(*sqlConds) {}, "", nil},
		{"one value for every ?", nil, func(c *sqlConds) { c.add("a = ? OR b = lower(?)", "x") }, "WHERE a = $1 OR b = lower($1)", []any{"x"}},
		{"several values in order", nil, func(c *sqlConds) {
			c.add("s = ?", "failed")
			c.add("(t, id) < (?, ?)", 1, "del_x")
		}, "WHERE s = $1 AND (t, id) < ($2, $3)", []any{"failed", 1, "del_x"}},
		{"after the caller's own parameters", []any{"now", "rec_1"}, func(c *sqlConds) { c.add("e = ?", "ep_1") },
			"WHERE e = $3", []any{"now", "rec_1", "ep_1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := sqlConds{args: tc.before}
			tc.build(&c)
			if c.where() != tc.wantWhere || !reflect.DeepEqual(c.args, tc.wantArgs) {
				t.Fatalf("got %q %v, want %q %v", c.where(), c.args, tc.wantWhere, tc.wantArgs)
			}
		})
	}
}
