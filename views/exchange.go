package views

import (
	"context"
	"html"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
)

// headerLines writes headers as "Name: value" lines, the way they travel,
// so that the block copies as text; the value carries data-testid
// "header-<Name>". Written here rather than in templ, which does not
// promise to keep the line breaks inside a <pre>.
func headerLines(hs []Header) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, h := range hs {
			if i > 0 {
				if _, err := io.WriteString(w, "\n"); err != nil {
					return err
				}
			}
			name := html.EscapeString(h.Name)
			line := `<span class="h-name">` + name + `</span>: <span data-testid="header-` + name + `">` + html.EscapeString(h.Value) + `</span>`
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
		return nil
	})
}

// runLabel names a collapsed run of identical failures: "#2–#8 HTTP 503
// ×7", "#1–#3 Connection error ×3".
func runLabel(as []AttemptView) string {
	first, last := as[0], as[len(as)-1]
	result := outcomeText(first.Outcome)
	if first.StatusCode != nil {
		result = "HTTP " + strconv.Itoa(int(*first.StatusCode))
	}
	return "#" + strconv.Itoa(int(first.Number)) + "–#" + strconv.Itoa(int(last.Number)) + " " + result + " ×" + strconv.Itoa(len(as))
}

// runTimes is when a run's first and last attempts started:
// "21:40:02 – 21:52:40 UTC", with the dates where the timeline gives them.
func runTimes(as []AttemptView) string {
	first, last := as[0].StartedAt.UTC(), as[len(as)-1].StartedAt.UTC()
	layout := "15:04:05 UTC"
	if first.Format(time.DateOnly) != last.Format(time.DateOnly) {
		layout = "Jan 2 15:04:05 UTC"
	}
	return strings.TrimSuffix(as[0].When, " UTC") + " – " + last.Format(layout)
}
