package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// Every screen a journey reaches is checked with axe-core (npm, pinned in
// testdata/package.json, installed by scripts/testdeps.sh) against the
// WCAG 2 A and AA rules, at a desktop and a phone width, and saved as a
// screenshot at both for a person to look at. A serious or critical
// violation fails the journey.

// axePath is axe-core's browser build, installed by `make testdeps`.
var axePath = filepath.Join("testdata", "node_modules", "axe-core", "axe.min.js")

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	return string(b), err
})

// viewports are the widths every screen is checked at.
var viewports = []struct{ width, height int64 }{{1280, 800}, {390, 844}}

// axeRun runs the WCAG 2 A and AA rules on the whole document and returns
// the violations, each reduced to what a failure message needs.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
	resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help,
	nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary || ''})),
})))`

// tooWide names the elements that make the page wider than the viewport
// (none when it is not); what overflows inside a scrolling box is fine.
const tooWide = `(() => {
	const width = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= width) return [];
	const culprits = [...document.querySelectorAll('body *')]
		.filter(e => e.getBoundingClientRect().right > width + 1 && e.checkVisibility() && !e.closest('pre, .table-wrap, .drawer-body'))
		.map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '') +
			' "' + e.textContent.trim().slice(0, 40) + '"');
	return culprits.length ? culprits.slice(0, 5) : ['the page is ' + document.documentElement.scrollWidth + ' px wide'];
})()`

type axeViolation struct {
	ID     string
	Impact string
	Help   string
	Nodes  []struct{ Target, HTML, Summary string }
}

// check runs axe-core on the current screen at each width, saves
// screenshots/<name>-<width>.png of the whole page, and fails the test on a
// serious or critical violation (lesser ones are logged). The viewport is
// left at the desktop width.
func (b *tab) check(name string) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatalf("axe-core: %v (run `make testdeps`: scripts/testdeps.sh installs it)", err)
	}
	for _, vp := range viewports {
		b.do(fmt.Sprintf("%s at %d px", name, vp.width), chromedp.EmulateViewport(vp.width, vp.height), htmxIdle())
		ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
		violations, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]axeViolation, error) {
			// Runtime.evaluate is not bound by the page's CSP, so axe loads
			// without loosening it; once per document.
			loaded, err := chromedp.Evaluate[bool](`typeof window.axe === 'object'`)(ctx, t)
			if err != nil {
				return nil, err
			}
			if !loaded {
				if _, err := chromedp.Evaluate[chromedp.Void](src)(ctx, t); err != nil {
					return nil, err
				}
			}
			return chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise)(ctx, t)
		})
		cancel()
		if err != nil {
			b.t.Fatalf("axe on %s at %d px: %v", name, vp.width, err)
		}
		var bad []string
		for _, v := range violations {
			var nodes []string
			for _, n := range v.Nodes {
				nodes = append(nodes, fmt.Sprintf("\n      %s  %s\n        %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n        ")))
			}
			line := fmt.Sprintf("%s [%s] %s:%s", v.ID, v.Impact, v.Help, strings.Join(nodes, ""))
			if v.Impact == "serious" || v.Impact == "critical" {
				bad = append(bad, line)
			} else {
				b.t.Logf("axe, %s at %d px (not failing): %s", name, vp.width, line)
			}
		}
		b.fullShot(fmt.Sprintf("%s-%d", name, vp.width))
		// Nothing may push the page wider than the screen.
		if wide := run(b, "page width", chromedp.Evaluate[[]string](tooWide)); len(wide) > 0 {
			b.t.Errorf("%s at %d px is wider than the screen: %s", name, vp.width, strings.Join(wide, "; "))
		}
		if len(bad) > 0 {
			b.t.Errorf("axe: %s at %d px has %d serious or critical WCAG 2 A/AA violations:\n  %s",
				name, vp.width, len(bad), strings.Join(bad, "\n  "))
		}
	}
	b.do("back to the desktop width", chromedp.EmulateViewport(viewports[0].width, viewports[0].height))
}

// fullShot saves a screenshot of the whole page as screenshots/<name>.png,
// or of the viewport while the drawer or a dialog is open (a fixed overlay
// in a page-high capture is not where a person sees it).
func (b *tab) fullShot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		overlay, err := chromedp.Evaluate[bool](`document.querySelector('#drawer .drawer, dialog[open]') !== null`)(ctx, t)
		if err != nil {
			return nil, err
		}
		if overlay {
			return chromedp.CaptureScreenshot()(ctx, t)
		}
		return chromedp.FullScreenshot(100)(ctx, t)
	})
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}
