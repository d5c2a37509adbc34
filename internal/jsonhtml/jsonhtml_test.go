package jsonhtml_test

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/jsonhtml"
	"github.com/clipcabinet/webhooks/internal/jsonscan"
)

// spanTag matches the only tags Highlight writes.
var spanTag = regexp.MustCompile(`<span class="j-(key|str|num|lit|p)">|</span>`)

// visible is the text a browser shows for out. It fails t if out holds
// markup other than Highlight's own spans: a < or > left over would be
// content that was not escaped.
func visible(t *testing.T, out string) string {
	t.Helper()
	bare := spanTag.ReplaceAllString(out, "")
	if strings.ContainsAny(bare, `<>"'`) {
		t.Fatalf("unescaped markup or quote in %q", out)
	}
	return html.UnescapeString(bare)
}

func indented(t testing.TB, src string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, jsonscan.TrimSpace([]byte(src)), "", "  "); err != nil {
		t.Fatalf("json.Indent(%q): %v", src, err)
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, src, want string
	}{
		{
			name: "escapes <, & and quotes in keys and strings",
			src:  `{"a<b":"</pre><script>x&y</script>","q":"it's \"quoted\""}`,
			want: `<span class="j-p">{</span>` + "\n  " + `<span class="j-key">&#34;a&lt;b&#34;</span><span class="j-p">:</span> ` +
				`<span class="j-str">&#34;&lt;/pre&gt;&lt;script&gt;x&amp;y&lt;/script&gt;&#34;</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-key">&#34;q&#34;</span><span class="j-p">:</span> <span class="j-str">&#34;it&#39;s \&#34;quoted\&#34;&#34;</span>` + "\n" +
				`<span class="j-p">}</span>`,
		},
		{
			name: "numbers keep their text, literals and empty containers",
			src:  `[1.50,-0,1e+10,12345678901234567890,true,null,{},[ ]]`,
			want: `<span class="j-p">[</span>` + "\n  " +
				`<span class="j-num">1.50</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-num">-0</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-num">1e+10</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-num">12345678901234567890</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-lit">true</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-lit">null</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-p">{</span><span class="j-p">}</span><span class="j-p">,</span>` + "\n  " +
				`<span class="j-p">[</span><span class="j-p">]</span>` + "\n" +
				`<span class="j-p">]</span>`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, truncated, ok := jsonhtml.Highlight([]byte(tt.src), 0)
			if !ok || truncated {
				t.Fatalf("ok %v, truncated %v", ok, truncated)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if text := visible(t, got); text != indented(t, tt.src) {
				t.Errorf("visible text\n%s\nwant\n%s", text, indented(t, tt.src))
			}
		})
	}
}

// TestHighlightKeepsKeyOrderAndUnicode: keys stay in the order written
// (not sorted, duplicates kept), and characters and escapes are copied,
// not decoded or re-encoded.
func TestHighlightKeepsKeyOrderAndUnicode(t *testing.T) {
	t.Parallel()
	src := `{"z":1,"a":2,"m":{"é":"日本語 \u00e9 \ud83d\ude00 😀","a":3},"z":4}`
	got, _, ok := jsonhtml.Highlight([]byte(src), 0)
	if !ok {
		t.Fatal("not highlighted")
	}
	text := visible(t, got)
	if text != indented(t, src) {
		t.Fatalf("visible text\n%s\nwant\n%s", text, indented(t, src))
	}
	var keys []string
	for _, m := range regexp.MustCompile(`<span class="j-key">&#34;(.*?)&#34;</span>`).FindAllStringSubmatch(got, -1) {
		keys = append(keys, m[1])
	}
	if strings.Join(keys, ",") != "z,a,m,é,a,z" {
		t.Errorf("keys in order %v", keys)
	}
	if !strings.Contains(got, `日本語 \u00e9 \ud83d\ude00 😀`) {
		t.Errorf("string not copied as written: %s", got)
	}
}

// TestHighlightNotJSON: what is not JSON (or not UTF-8) is not highlighted,
// so the caller shows it verbatim.
func TestHighlightNotJSON(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "   ", "ok", "<html>", `{"a":1`, `{"a":1}{}`, `{'a':1}`, "{\"a\":\"\xff\"}", "[1,]", "NaN"} {
		if out, _, ok := jsonhtml.Highlight([]byte(src), 0); ok {
			t.Errorf("Highlight(%q) = %q, ok; want not ok", src, out)
		}
	}
	// Space around a document is not part of it.
	if out, _, ok := jsonhtml.Highlight([]byte(" \n{\"a\":1}\n"), 0); !ok || visible(t, out) != "{\n  \"a\": 1\n}" {
		t.Errorf("padded document: %q, %v", out, ok)
	}
}

// TestHighlightLimit: the visible text stops at the limit, a prefix of the
// whole, cut at a character boundary, and says it was cut.
func TestHighlightLimit(t *testing.T) {
	t.Parallel()
	src := `{"name":"ééééééééé","n":[1,2,3,4,5,6,7,8,9]}`
	whole := indented(t, src)
	for limit := 1; limit <= len(whole); limit++ {
		out, truncated, ok := jsonhtml.Highlight([]byte(src), limit)
		if !ok {
			t.Fatal("not highlighted")
		}
		text := visible(t, out)
		if !strings.HasPrefix(whole, text) || len(text) > limit || len(text) < limit-1 {
			t.Fatalf("limit %d: %q is not the whole's first %d bytes", limit, text, limit)
		}
		if truncated != (limit < len(whole)) {
			t.Fatalf("limit %d of %d: truncated %v", limit, len(whole), truncated)
		}
	}
}

// FuzzHighlight: for any valid JSON, the visible text of the output is
// json.Indent's, and nothing in it is unescaped markup; anything else is
// refused, never mangled.
func FuzzHighlight(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"<&>\"'"}`, `[]`, `"x"`, `1e5`, `{"a":"\u2028"}`, "not json", `{"é":"😀"}`} {
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, src []byte, limit int) {
		out, truncated, ok := jsonhtml.Highlight(src, limit)
		valid := json.Valid(src) && utf8.Valid(src)
		if ok != valid {
			t.Fatalf("ok %v for %q (valid %v)", ok, src, valid)
		}
		if !ok {
			return
		}
		whole := indented(t, string(src))
		text := visible(t, out)
		if limit <= 0 || limit >= len(whole) {
			if text != whole || truncated {
				t.Fatalf("visible text %q, want %q (truncated %v)", text, whole, truncated)
			}
			return
		}
		if !strings.HasPrefix(whole, text) || len(text) > limit || !truncated {
			t.Fatalf("limit %d: %q, truncated %v; want a prefix of %q", limit, text, truncated, whole)
		}
	})
}
