package web_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWebDoesNotImportDB keeps the layering of issue 12: handlers and
// views work with the store's types, never with sqlc's rows directly, so a
// change of a query's shape is the store's business.
func TestWebDoesNotImportDB(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files found (%v)", err)
	}
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "github.com/clipcabinet/webhooks/db" {
				t.Errorf("%s imports %s: use the store's types", f, path)
			}
		}
	}
}
