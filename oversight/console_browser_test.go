package oversight_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// TestConsoleInChromium drives the console in headless Chromium: load the
// queue, open the ticket, override it with a reason, and see the outcome
// on the page and in the decision log.
func TestConsoleInChromium(t *testing.T) {
	bin := os.Getenv("AIMSKIT_CHROMIUM")
	if bin == "" {
		t.Skip("browser test needs Chromium: run `export AIMSKIT_CHROMIUM=\"$(bash .ci/chromium.sh)\"` " +
			"(installs Debian's chromium if missing and prints its path), then `go test -run Chromium ./oversight/`")
	}
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	out, err := h.gate.Submit(context.Background(), decision(t, "credit", "deny", 0.46, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	console, err := oversight.NewConsole(h.gate, oversight.BearerTokens(map[string]oversight.Reviewer{tokBob: bob}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console)
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("browser, %s: %v", what, err)
		}
	}
	step("authenticating", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + tokBob}})
		return err
	}))
	step("loading the queue", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("#queue")))
	reviewer := text("#reviewer")
	step("opening the ticket", chromedp.Click(css("a.ticket-link")), chromedp.WaitVisible(css("#override-form")))
	modelOutput, reminder := text("#model-output"), text("#automation-bias")
	step("overriding",
		chromedp.SendKeys(css("#override-output"), "approve"),
		chromedp.SendKeys(css("#override-reason"), "payslips show income above the threshold"),
		chromedp.Click(css("#override-submit")),
		chromedp.WaitVisible(css("#outcome")))
	action, outOutput, outReason := text("#outcome-action"), text("#outcome-output"), text("#outcome-reason")
	if reviewer != "bob" || modelOutput != "deny" || !strings.Contains(reminder, "automation bias") {
		t.Errorf("pages showed reviewer %q, model output %q, reminder %q", reviewer, modelOutput, reminder)
	}
	if action != "override" || outOutput != "approve" || outReason != "payslips show income above the threshold" {
		t.Errorf("outcome on page: %q %q %q", action, outOutput, outReason)
	}
	recs := h.rec.all()
	last := recs[len(recs)-1]
	if last.Oversight.Action != aims.ActionOverride || last.Oversight.Reviewer != "bob" || last.Output != "approve" ||
		last.Oversight.OriginalOutput != "deny" || last.Oversight.RelatedDecisionID != out.Decision.ID ||
		last.Oversight.Reason != "payslips show income above the threshold" {
		t.Fatalf("decision log has %+v / %+v", last, last.Oversight)
	}
}
