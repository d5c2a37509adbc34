package store_test

import (
	"context"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testdb"
)

// TestIdentifiersCompareBytewise: every identifier column (ids, keys,
// tokens, kinds and event types) is COLLATE "C" (migration 00017), so a
// B-tree descent on one compares bytes, not locale sort keys, whatever the
// database's locale. A migration that adds such a column without it fails
// here.
func TestIdentifiersCompareBytewise(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	rows, err := pool.Query(context.Background(), `
		SELECT c.table_name, c.column_name, coalesce(c.collation_name, '')
		FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		  AND c.data_type = 'text' AND c.table_name <> 'goose_db_version'
		  AND (c.column_name IN ('id', 'key', 'token', 'kind', 'type', 'event_type')
		       OR c.column_name LIKE '%\_id')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, column, collation string
		if err := rows.Scan(&table, &column, &collation); err != nil {
			t.Fatal(err)
		}
		n++
		if collation != "C" {
			t.Errorf("%s.%s has collation %q, want \"C\"", table, column, collation)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The hot ones at least: users, endpoints, events, deliveries, the
	// queue, attempts, payloads and health are all found by their ids.
	if n < 20 {
		t.Fatalf("found %d identifier columns; the query no longer sees the schema", n)
	}
}
