package auditreport

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTMLInChromium opens the rendered report in headless Chromium and
// checks that it loads without console errors, exceptions or network
// requests, and that every chart is an SVG element with a nonzero size. It
// keeps a full-page PNG screenshot for people to look at and logs its
// path. It runs only when AIMSKIT_CHROMIUM names a Chromium binary:
//
//	AIMSKIT_CHROMIUM="$(bash .ci/chromium.sh)" go test ./aims/auditreport/ -run Chromium -v
func TestHTMLInChromium(t *testing.T) {
	bin := os.Getenv("AIMSKIT_CHROMIUM")
	if bin == "" {
		t.Skip("set AIMSKIT_CHROMIUM to a Chromium binary (bash .ci/chromium.sh prints it) to run the browser test")
	}
	_, _, in := scenario(t)
	r := build(t, in)
	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	page := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(page, html.Bytes(), 0o644))
	wantCharts := strings.Count(html.String(), "<svg ")
	require.Positive(t, wantCharts)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()

	var mu sync.Mutex
	var problems, requests []string
	listener := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console %s", e.Type))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, "log error: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(listener))
	defer cancel()

	enable := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	})
	u := url.URL{Scheme: "file", Path: page}
	// The first Do starts the browser; it must not carry a timeout (see
	// chromedp.Run), so the deadline guards the later steps only.
	require.NoError(t, chromedp.Do(ctx, enable))
	tctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	require.NoError(t, chromedp.Do(tctx, chromedp.Navigate(u.String()), chromedp.WaitReady(chromedp.CSS("footer"))))

	type box struct{ W, H float64 }
	sizes, err := chromedp.Run(tctx, chromedp.Evaluate[[]box](
		`Array.from(document.querySelectorAll('figure > svg')).map(s => { const r = s.getBoundingClientRect(); return {W: r.width, H: r.height}; })`))
	require.NoError(t, err)
	assert.Len(t, sizes, wantCharts, "every chart is an svg element in a figure")
	for i, s := range sizes {
		assert.Greater(t, s.W, 100.0, "chart %d width", i)
		assert.Greater(t, s.H, 50.0, "chart %d height", i)
	}
	// Text inside the charts rendered: the decision chart's title is there.
	texts, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll('svg text').length`))
	require.NoError(t, err)
	assert.Greater(t, texts, 20)

	// Nothing is wider than the window: tables and charts fit.
	overflow, err := chromedp.Run(tctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`))
	require.NoError(t, err)
	if !assert.LessOrEqual(t, overflow, 0.0, "the page scrolls sideways") {
		wide, _ := chromedp.Run(tctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table')).filter(t => t.getBoundingClientRect().right > window.innerWidth).map(t => t.closest('section').id + ': ' + Math.round(t.getBoundingClientRect().width) + ' px')`))
		t.Logf("tables wider than the window: %q", wide)
	}
	// Every section rendered.
	sections, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll('section h2').length`))
	require.NoError(t, err)
	assert.Equal(t, 13, sections, "sections 1 to 13, the GenAI section last")

	// The report is meant to be printed: Chromium's print path renders it.
	pdf, err := chromedp.Run(tctx, chromedp.PrintToPDF())
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(pdf, []byte("%PDF")), "printed to PDF")

	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "screenshot is a PNG")
	dir := os.Getenv("AIMSKIT_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	shot := filepath.Join(dir, "aimsaudit-report.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot of the audit report: %s", shot)

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "console errors or exceptions")
	for _, req := range requests {
		assert.True(t, strings.HasPrefix(req, "file:") || strings.HasPrefix(req, "data:"), "the report fetched %s", req)
	}
}
