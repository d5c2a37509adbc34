package views

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"testing"
)

// TestGoSnippetParses keeps the Go verifier valid Go.
func TestGoSnippetParses(t *testing.T) {
	t.Parallel()
	if _, err := parser.ParseFile(token.NewFileSet(), "verify.go", snippetGo, 0); err != nil {
		t.Fatalf("the Go snippet does not parse: %v", err)
	}
}

// TestSnippetsAreTheSpecs checks the Node and Python verifiers against the
// spec's, byte for byte: customers already run those. The spec lives in
// ../shared beside the repository (as on every developer machine and CI).
func TestSnippetsAreTheSpecs(t *testing.T) {
	t.Parallel()
	spec, err := os.ReadFile("../../shared/spec/webhooks.md")
	if err != nil {
		t.Skipf("the spec is not beside the repository: %v", err)
	}
	blocks := regexp.MustCompile("(?s)```(ts|python)\n(.*?)```").FindAllStringSubmatch(string(spec), -1)
	want := map[string]string{}
	for _, b := range blocks {
		if _, ok := want[b[1]]; !ok {
			want[b[1]] = b[2]
		}
	}
	if want["ts"] != snippetNode {
		t.Error("the Node snippet differs from the spec's")
	}
	if want["python"] != snippetPython {
		t.Error("the Python snippet differs from the spec's")
	}
}
