// Package jsonhtml pretty-prints JSON as HTML with light syntax
// highlighting: every token is copied as it is (keys keep their order,
// numbers their text, strings their escapes), the layout is the one
// json.Indent makes with two spaces, and keys, strings, numbers, literals
// and punctuation are wrapped in spans with a class each. Everything is
// HTML-escaped, so the result can be put in a page as it is.
package jsonhtml

import (
	"encoding/json"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/jsonscan"
)

// The classes of the spans.
const (
	ClassKey     = "j-key"
	ClassString  = "j-str"
	ClassNumber  = "j-num"
	ClassLiteral = "j-lit" // true, false, null
	ClassPunct   = "j-p"   // { } [ ] : ,
)

const indent = "  "

// Highlight returns src pretty-printed as highlighted HTML. ok is false
// when src is not valid JSON or not valid UTF-8 (a page cannot show it
// exactly): the caller shows it verbatim instead. The visible text stops
// once it reaches limit bytes (0: no limit), at a token or, inside a long
// token, at a character boundary; truncated then says so.
func Highlight(src []byte, limit int) (out string, truncated, ok bool) {
	src = jsonscan.TrimSpace(src)
	if !utf8.Valid(src) || !json.Valid(src) {
		return "", false, false
	}
	w := writer{limit: limit}
	depth := 0
	for i := 0; i < len(src) && !w.full(); {
		c := src[i]
		switch {
		case jsonscan.IsSpace(c):
			i++
		case c == '{' || c == '[':
			w.span(ClassPunct, src[i:i+1])
			j := jsonscan.SkipSpace(src, i+1)
			if j < len(src) && (src[j] == '}' || src[j] == ']') {
				w.span(ClassPunct, src[j:j+1]) // empty: {} or [], as json.Indent writes it
				i = j + 1
				continue
			}
			depth++
			w.newline(depth)
			i++
		case c == '}' || c == ']':
			depth--
			w.newline(depth)
			w.span(ClassPunct, src[i:i+1])
			i++
		case c == ',':
			w.span(ClassPunct, src[i:i+1])
			w.newline(depth)
			i++
		case c == ':':
			w.span(ClassPunct, src[i:i+1])
			w.text(" ")
			i++
		case c == '"':
			end := jsonscan.SkipString(src, i)
			class := ClassString
			if j := jsonscan.SkipSpace(src, end); j < len(src) && src[j] == ':' {
				class = ClassKey
			}
			w.span(class, src[i:end])
			i = end
		default:
			end := jsonscan.SkipValue(src, i)
			class := ClassNumber
			if c == 't' || c == 'f' || c == 'n' {
				class = ClassLiteral
			}
			w.span(class, src[i:end])
			i = end
		}
	}
	return w.b.String(), w.cut, true
}

// writer builds the HTML and counts the visible text against the limit.
type writer struct {
	b     strings.Builder
	shown int
	limit int
	cut   bool
}

func (w *writer) full() bool { return w.cut }

// take returns how much of s fits, cut at a character boundary, and
// records the cut.
func (w *writer) take(s []byte) []byte {
	if w.limit <= 0 || w.shown+len(s) <= w.limit {
		w.shown += len(s)
		return s
	}
	n := w.limit - w.shown
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	w.shown += n
	w.cut = true
	return s[:n]
}

func (w *writer) span(class string, tok []byte) {
	if w.cut {
		return
	}
	tok = w.take(tok)
	if len(tok) == 0 {
		return
	}
	w.b.WriteString(`<span class="`)
	w.b.WriteString(class)
	w.b.WriteString(`">`)
	w.b.WriteString(html.EscapeString(string(tok)))
	w.b.WriteString(`</span>`)
}

func (w *writer) text(s string) {
	if w.cut {
		return
	}
	w.b.WriteString(html.EscapeString(string(w.take([]byte(s)))))
}

func (w *writer) newline(depth int) {
	w.text("\n" + strings.Repeat(indent, depth))
}
