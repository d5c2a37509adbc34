package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBodyView: JSON is highlighted, other text kept as it is, binary
// content only named, and a long body cut at shownBody on a character
// boundary, with a note.
func TestBodyView(t *testing.T) {
	t.Parallel()
	if v := bodyView(nil); v.HTML != "" || v.Text != "" || v.Note != "" || v.Size != 0 {
		t.Errorf("empty: %+v", v)
	}
	if v := bodyView([]byte(`{"a":1}`)); !strings.Contains(v.HTML, `<span class="j-key">`) || v.Text != "" || v.Note != "" {
		t.Errorf("JSON: %+v", v)
	}
	if v := bodyView([]byte("ok <b>")); v.Text != "ok <b>" || v.HTML != "" {
		t.Errorf("text: %+v", v)
	}
	for _, b := range [][]byte{{0xff, 'a'}, []byte("a\x00b")} {
		if v := bodyView(b); v.Text != "" || v.HTML != "" || !strings.HasPrefix(v.Note, "Binary content") {
			t.Errorf("binary %q: %+v", b, v)
		}
	}
	long := strings.Repeat("é", shownBody) // 2 bytes each: the cut falls inside one
	v := bodyView([]byte("x" + long))
	if !utf8.ValidString(v.Text) || len(v.Text) > shownBody || len(v.Text) < shownBody-1 || !strings.Contains(v.Note, "the first 32 KiB are shown") {
		t.Errorf("long text: %d bytes, valid %v, note %q", len(v.Text), utf8.ValidString(v.Text), v.Note)
	}
	j := bodyView([]byte(`[` + strings.Repeat(`1,`, shownBody) + `1]`))
	if j.HTML == "" || !strings.HasPrefix(j.Note, "The body is 64 KiB: the first 32 KiB") {
		t.Errorf("long JSON: note %q", j.Note)
	}
}
