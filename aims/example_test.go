package aims_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
)

func ExampleNewDecision() {
	ctx := context.Background()
	pseud, err := aims.NewPseudonymizer([]byte("load-me-from-a-secret-store"), "2026q4")
	if err != nil {
		panic(err)
	}
	allow := aims.NewAllowList("income", "term_months")

	d, err := aims.NewDecision(ctx, "credit-scoring")
	if err != nil {
		panic(err)
	}
	d.Subject = pseud.Pseudonym("customer-4711")
	d.Inputs, err = allow.Filter(map[string]any{"income": 42000, "term_months": 36, "name": "Jane Roe"})
	if err != nil {
		panic(err)
	}
	score := 0.31
	d.Output, d.Score, d.Adverse = "deny", &score, true
	fmt.Println(d.Validate())
	fmt.Println(d.Inputs)
	fmt.Println(d.Subject[:len("hs256:2026q4:")])
	// Output:
	// <nil>
	// map[income:42000 term_months:36]
	// hs256:2026q4:
}

func ExampleLookupControl() {
	c, ok := aims.LookupControl("A.6.2.8")
	fmt.Println(ok, c.Title)
	fmt.Println(c.EUAIAct)
	// Output:
	// true AI system recording of event logs
	// [Art. 12 Art. 19 Art. 26(6)]
}

func ExampleParseSoA() {
	soa, err := aims.ParseSoA([]byte(`
organization: Example Lending Ltd
controls:
  - control: A.6.2.8
    applicable: true
    status: implemented
    justification: Credit decisions are high-risk (EU AI Act Annex III 5(b)); Art. 12 requires their events to be logged automatically.
  - control: A.5.5
    applicable: false
    justification: Credit scoring of retail customers has no societal-scale effect beyond the individual and group impacts assessed under A.5.4.
`))
	if err != nil {
		panic(err)
	}
	err = soa.Validate() // the other 36 Annex A controls are not addressed
	fmt.Println(err != nil)
	// Output: true
}

func ExampleSoA_RenderMarkdown() {
	soa, err := aims.LoadSoAFile("testdata/soa.yaml")
	if err != nil {
		panic(err)
	}
	if err := soa.Validate(); err != nil {
		panic(err)
	}
	var md strings.Builder
	if err := soa.RenderMarkdown(&md); err != nil { // one table per Annex A objective
		panic(err)
	}
	lines := strings.Split(md.String(), "\n")
	fmt.Println(strings.Join(lines[:10], "\n"))
	// Output:
	// # Statement of Applicability — Example Lending Ltd
	//
	// ISO/IEC 42001:2023 Annex A reference controls.
	//
	// - **Scope:** Credit decisioning services using AI
	// - **Version:** 4
	// - **Date:** 2026-12-01
	// - **Approved by:** Chief Risk Officer
	// - **Controls:** 38 addressed of 38 — 36 applicable, 2 excluded
	// - **Implementation:** 27 implemented, 9 partially implemented, 0 planned, 0 not implemented
}

func ExampleDiscloser_Middleware() {
	disc, err := aims.NewDiscloser(aims.Disclosure{
		Kind:     aims.DisclosureInteraction,
		SystemID: "support-chat",
		Model:    "tiny-chat",
	}, aims.WithClock(func() time.Time { return time.Unix(1795435200, 0) }))
	if err != nil {
		panic(err)
	}
	h := disc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Hello! How can I help?")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/chat", nil))
	fmt.Println(rec.Header().Get(aims.DisclosureHeader))
	// Output:
	// mode=ai-originated, model="tiny-chat", date=@1795435200, kind=interaction, system="support-chat"
}
