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
		{"one value used twice", nil, func(c *sqlConds) {
			p := c.arg("x")
			c.add("a = " + p + " OR b = lower(" + p + ")")
		}, "WHERE a = $1 OR b = lower($1)", []any{"x"}},
		{"several values in order", nil, func(c *sqlConds) {
			c.add("s = " + c.arg("failed"))
			c.add("(t, id) < (" + c.arg(1) + ", " + c.arg("del_x") + ")")
		}, "WHERE s = $1 AND (t, id) < ($2, $3)", []any{"failed", 1, "del_x"}},
		{"after the caller's own parameters", []any{"now", "rec_1"}, func(c *sqlConds) { c.add("e = " + c.arg("ep_1")) },
			"WHERE e = $3", []any{"now", "rec_1", "ep_1"}},
		{"a literal's ? and $ untouched", nil, func(c *sqlConds) {
			c.add(`substring(u from '^[a-z]+://([^/?#]+)$') = ` + c.arg("h"))
		}, `WHERE substring(u from '^[a-z]+://([^/?#]+)$') = $1`, []any{"h"}},
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
