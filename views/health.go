package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// HealthView is an endpoint's health over time, on its page: the last 24
// hours by hour and the last 30 days by day, UTC.
type HealthView struct {
	Windows []HealthWindow
}

// HealthWindow is one window's series, oldest slot first.
type HealthWindow struct {
	Key   string // "hours" or "days": ids and test ids
	Title string // "Last 24 hours"
	Unit  string // "hour" or "day"
	Slot  string // what a slot is, for the table's first column: "Hour (UTC)"
	Slots []HealthSlot
	Total HealthSlot
	// Kinds are the words of the failure kinds the window had, in order:
	// the table's columns.
	Kinds []string
	// LabelEvery: every how many slots the time axis has a label.
	LabelEvery int
}

// HealthSlot is one hour or day, or a whole window.
type HealthSlot struct {
	Key   string // its start, RFC 3339 UTC
	Label string // short, on the axis and in the table: "14:00", "Mar 3"
	Long  string // in full: "2026-03-10 14:00–15:00 UTC"
	// Attempts 0: no attempt at all, drawn and said apart from a 0 % slot.
	Attempts, Succeeded int
	Failures            []KindCount // the failed attempts by kind, in words
	// Answered attempts got an HTTP answer: P50 and P95 (ms) are theirs.
	Answered int
	P50, P95 float64
}

// KindCount is a number of attempts of one kind, in words.
type KindCount struct {
	Label string
	N     int
}

// Empty: no attempt in any slot of the window.
func (w HealthWindow) Empty() bool { return w.Total.Attempts == 0 }

// Count is the attempts of the slot's failure kind label (0: none).
func (s HealthSlot) Count(label string) int {
	for _, f := range s.Failures {
		if f.Label == label {
			return f.N
		}
	}
	return 0
}

// RateText is the slot's success rate in words: "97.5 %"; "no attempts".
func (s HealthSlot) RateText() string {
	if s.Attempts == 0 {
		return "no attempts"
	}
	return percentText(s.Succeeded, s.Attempts)
}

// percentText is a share with one decimal, but never rounded up to 100 %
// or down to 0 % when it is not.
func percentText(n, of int) string {
	p := float64(n) * 100 / float64(of)
	switch {
	case n == of:
		return "100 %"
	case n == 0:
		return "0 %"
	case p > 99.9:
		return "99.9 %"
	case p < 0.1:
		return "0.1 %"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + " %"
}

// LatencyText is "p50 48 ms, p95 114 ms", or "" without answers.
func (s HealthSlot) LatencyText() string {
	if s.Answered == 0 {
		return ""
	}
	return "p50 " + msText(s.P50) + ", p95 " + msText(s.P95)
}

// msText is a duration in ms as people read it: "48 ms", "1.2 s".
func msText(ms float64) string {
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	case ms < 1000:
		return strconv.Itoa(int(math.Round(ms))) + " ms"
	case ms < 10000:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
}

// Summary says the slot in one sentence: its time, attempts, success rate,
// latency and failures. The charts' hover text and their text alternative.
func (s HealthSlot) Summary() string {
	if s.Attempts == 0 {
		return s.Long + ": no attempts"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s attempts, %s succeeded", s.Long, group(s.Attempts), s.RateText())
	if l := s.LatencyText(); l != "" {
		b.WriteString("; " + l)
	}
	if len(s.Failures) > 0 {
		b.WriteString("; failed: ")
		for i, f := range s.Failures {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", group(f.N), f.Label)
		}
	}
	return b.String()
}

// group writes a count with thousands separators: 12,345.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The charts' geometry, in the SVG's user units. Every chart is
// chartW wide; the plot sits between the margins.
const (
	chartW     = 320.0
	chartH     = 150.0
	plotLeft   = 48.0
	plotRight  = 300.0
	plotTop    = 8.0
	plotBottom = 118.0
)

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// viewBox is a chart's viewBox attribute.
func viewBox(h float64) string { return "0 0 " + num(chartW) + " " + num(h) }

// chartBar is one slot of the success chart: the succeeded share solid
// from the bottom, the failed share hatched above it; a slot without
// attempts is a dotted outline with a dot at the base, so that it reads
// apart from 0 % (a full hatched bar) without colour.
type chartBar struct {
	X, W         string
	OkY, OkH     string
	FailY, FailH string
	CX, BaseY    string // the no-data dot
	Empty        bool
	Title        string
	Key          string
}

func successBars(w HealthWindow) []chartBar {
	n := float64(len(w.Slots))
	step := (plotRight - plotLeft) / n
	gap := math.Max(1, step*0.2)
	out := make([]chartBar, len(w.Slots))
	h := plotBottom - plotTop
	for i, s := range w.Slots {
		x := plotLeft + float64(i)*step + gap/2
		b := chartBar{X: num(x), W: num(step - gap), Title: s.Summary(), Key: s.Key,
			CX: num(x + (step-gap)/2), BaseY: num(plotBottom - 3)}
		if s.Attempts == 0 {
			b.Empty = true
			b.FailY, b.FailH = num(plotTop), num(h)
		} else {
			ok := h * float64(s.Succeeded) / float64(s.Attempts)
			b.OkY, b.OkH = num(plotBottom-ok), num(ok)
			b.FailY, b.FailH = num(plotTop), num(h-ok)
		}
		out[i] = b
	}
	return out
}

// axisTick is a label on an axis.
type axisTick struct {
	X, Y  string
	Label string
}

// timeTicks label every LabelEvery-th slot, at its middle, under the plot.
func timeTicks(w HealthWindow) []axisTick {
	step := (plotRight - plotLeft) / float64(len(w.Slots))
	var out []axisTick
	for i, s := range w.Slots {
		if w.LabelEvery > 0 && (len(w.Slots)-1-i)%w.LabelEvery == 0 {
			out = append(out, axisTick{X: num(plotLeft + (float64(i)+0.5)*step), Y: num(plotBottom + 14), Label: s.Label})
		}
	}
	return out
}

// rateTicks are the success chart's y axis: 0, 50 and 100 %.
func rateTicks() []axisTick {
	var out []axisTick
	for _, p := range []float64{0, 50, 100} {
		out = append(out, axisTick{X: num(plotLeft - 4), Y: num(plotBottom - (plotBottom-plotTop)*p/100), Label: strconv.Itoa(int(p)) + " %"})
	}
	return out
}

// latencyChart is the p50 and p95 lines: one polyline per run of slots
// with answers (a slot without breaks the line), a marker per slot.
type latencyChart struct {
	Ticks    []axisTick
	P50, P95 []string // polyline points, one per run
	Points   []latencyPoint
}

type latencyPoint struct {
	X, Y50, Y95 string
	SX, SY      string // the p95 square's corner
	Title       string
}

func latency(w HealthWindow) latencyChart {
	top := 0.0
	for _, s := range w.Slots {
		if s.Answered > 0 {
			top = math.Max(top, s.P95)
		}
	}
	top = niceCeil(top)
	c := latencyChart{}
	for _, v := range []float64{0, top / 2, top} {
		c.Ticks = append(c.Ticks, axisTick{X: num(plotLeft - 4), Y: num(yOf(v, top)), Label: shortMs(v)})
	}
	step := (plotRight - plotLeft) / float64(len(w.Slots))
	var run50, run95 []string
	flush := func() {
		if len(run50) > 0 {
			c.P50, c.P95 = append(c.P50, strings.Join(run50, " ")), append(c.P95, strings.Join(run95, " "))
		}
		run50, run95 = nil, nil
	}
	for i, s := range w.Slots {
		if s.Answered == 0 {
			flush()
			continue
		}
		xf, y95f := plotLeft+(float64(i)+0.5)*step, yOf(s.P95, top)
		x, y50, y95 := num(xf), num(yOf(s.P50, top)), num(y95f)
		run50, run95 = append(run50, x+","+y50), append(run95, x+","+y95)
		c.Points = append(c.Points, latencyPoint{X: x, Y50: y50, Y95: y95, SX: num(xf - 2.6), SY: num(y95f - 2.6),
			Title: s.Long + ": " + s.LatencyText() + " (" + group(s.Answered) + " answers)"})
	}
	flush()
	return c
}

func yOf(v, top float64) float64 {
	if top <= 0 {
		return plotBottom
	}
	return plotBottom - (plotBottom-plotTop)*v/top
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 10 ms).
func niceCeil(v float64) float64 {
	if v <= 10 {
		return 10
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// shortMs is an axis label: "0", "250 ms", "1.5 s".
func shortMs(ms float64) string {
	switch {
	case ms == 0:
		return "0"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', -1, 64) + " s"
}

// failureBar is one kind in the failures chart: its words, a bar as long
// as its share of the largest kind, and its count.
type failureBar struct {
	Label, Count        string
	Y, TextY, W, CountX string
	Title               string
}

const (
	failLabelW = 128.0
	failRowH   = 20.0
)

func failureBars(w HealthWindow) []failureBar {
	most := 0
	for _, f := range w.Total.Failures {
		most = max(most, f.N)
	}
	var out []failureBar
	for i, f := range w.Total.Failures {
		y := float64(i) * failRowH
		bw := math.Max(1, (chartW-failLabelW-48)*float64(f.N)/float64(most))
		out = append(out, failureBar{
			Label: f.Label, Count: group(f.N),
			Y: num(y + 3), TextY: num(y + 14), W: num(bw), CountX: num(failLabelW + bw + 4),
			Title: fmt.Sprintf("%s: %s of %s attempts (%s)", f.Label, group(f.N), group(w.Total.Attempts), percentText(f.N, w.Total.Attempts)),
		})
	}
	return out
}

func failuresHeight(w HealthWindow) float64 { return float64(len(w.Total.Failures))*failRowH + 4 }

// Sparkline is an endpoint's last 24 hours on the endpoints list, oldest
// hour first.
type Sparkline struct {
	Hours []SparkHour
}

// SparkHour is one hour of a sparkline.
type SparkHour struct {
	Start               time.Time
	Attempts, Succeeded int
}

// total is the sparkline's 24 hours as one slot.
func (s Sparkline) total() HealthSlot {
	var t HealthSlot
	for _, h := range s.Hours {
		t.Attempts, t.Succeeded = t.Attempts+h.Attempts, t.Succeeded+h.Succeeded
	}
	return t
}

// Text is the sparkline's text alternative: the attempts, their success
// rate and the hours without attempts.
func (s Sparkline) Text() string {
	t := s.total()
	if t.Attempts == 0 {
		return "Last 24 hours: no attempts."
	}
	empty := 0
	for _, h := range s.Hours {
		if h.Attempts == 0 {
			empty++
		}
	}
	return fmt.Sprintf("Last 24 hours, by hour (UTC): %s of %s attempts succeeded; %d of %d hours had no attempts.",
		t.RateText(), group(t.Attempts), empty, len(s.Hours))
}

// Short is what the list shows beside the sparkline: "97.5 % of 1,234".
func (s Sparkline) Short() string {
	t := s.total()
	if t.Attempts == 0 {
		return "No attempts"
	}
	return t.RateText() + " of " + group(t.Attempts)
}

// HourRange is an hour in full: "2026-03-10 14:00–15:00 UTC".
func HourRange(start time.Time) string {
	start = start.UTC()
	return start.Format("2006-01-02 15:04") + "–" + start.Add(time.Hour).Format("15:04") + " UTC"
}

func (h SparkHour) title() string {
	if h.Attempts == 0 {
		return HourRange(h.Start) + ": no attempts"
	}
	return fmt.Sprintf("%s: %s of %s attempts succeeded", HourRange(h.Start),
		HealthSlot{Attempts: h.Attempts, Succeeded: h.Succeeded}.RateText(), group(h.Attempts))
}

// sparkBar is one hour drawn: a light track (the hour had attempts) with
// the succeeded share solid from the bottom; an hour without attempts is
// only a dot on the base line.
type sparkBar struct {
	X, W, OkY, OkH, CX string
	Empty              bool
	Title              string
}

const (
	sparkW = 96.0
	sparkH = 24.0
)

func sparkBars(s Sparkline) []sparkBar {
	step := sparkW / float64(len(s.Hours))
	out := make([]sparkBar, len(s.Hours))
	for i, h := range s.Hours {
		x := float64(i) * step
		b := sparkBar{X: num(x + 0.5), W: num(step - 1), CX: num(x + step/2), Empty: h.Attempts == 0, Title: h.title()}
		if h.Attempts > 0 {
			ok := (sparkH - 2) * float64(h.Succeeded) / float64(h.Attempts)
			b.OkY, b.OkH = num(sparkH-1-ok), num(ok)
		}
		out[i] = b
	}
	return out
}

// latencyCell is a percentile in the table, "—" for a slot without answers.
func latencyCell(s HealthSlot, ms float64) string {
	if s.Answered == 0 {
		return "—"
	}
	return msText(ms)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// rateDesc is the success chart's text alternative.
func rateDesc(w HealthWindow) string {
	var worst *HealthSlot
	empty := 0
	for i, s := range w.Slots {
		switch {
		case s.Attempts == 0:
			empty++
		case worst == nil || s.Succeeded*worst.Attempts < worst.Succeeded*s.Attempts:
			worst = &w.Slots[i]
		}
	}
	d := fmt.Sprintf("%s of %s attempts succeeded.", w.Total.RateText(), group(w.Total.Attempts))
	if worst != nil && worst.Succeeded < worst.Attempts {
		d += fmt.Sprintf(" Lowest: %s, %s.", worst.RateText(), worst.Long)
	}
	return d + fmt.Sprintf(" %d of %d %ss had no attempts.", empty, len(w.Slots), w.Unit)
}

// latencyDesc is the latency chart's text alternative.
func latencyDesc(w HealthWindow) string {
	if w.Total.Answered == 0 {
		return "No attempt got an HTTP answer."
	}
	var worst *HealthSlot
	for i, s := range w.Slots {
		if s.Answered > 0 && (worst == nil || s.P95 > worst.P95) {
			worst = &w.Slots[i]
		}
	}
	return fmt.Sprintf("Over all: %s. Slowest %s: p95 %s, %s.", w.Total.LatencyText(), w.Unit, msText(worst.P95), worst.Long)
}

// failuresDesc is the failures chart's text alternative.
func failuresDesc(w HealthWindow) string {
	var parts []string
	for _, f := range w.Total.Failures {
		parts = append(parts, f.Label+": "+group(f.N))
	}
	return strings.Join(parts, ", ") + "."
}
