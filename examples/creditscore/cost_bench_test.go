package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/drift"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/fairness"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

// The cost of governance: the example's decision path (handleApplication
// and decide) with one control more switched on at each step, against the
// bare request. The steps are cumulative, in the order of costSteps.
//
// "The request" is what the service pays for POST /v1/applications
// without any control: reading and checking the JSON body, scoring,
// writing the JSON answer (the handler is called in-process, with
// httptest's request and recorder; no socket). BenchmarkGovernanceCost/model
// is the model call alone, for scale.
//
// cpu-ns/op is the process CPU time (user+system, every goroutine: the
// ledger writer and the telemetry exporters included) per request; ns/op
// is wall time. On a quiet machine they differ where a request waits
// (fsync) or work runs on other goroutines.

// costLevel is how many of the controls other than explanations are on;
// each level includes the ones before.
type costLevel int

const (
	costBare          costLevel = iota // decode, parse, score, encode
	costDisclosure                     // + disclosure middleware, header and JSON member
	costGate                           // + decision record (System) and oversight gate, in-memory store, no ledger
	costLedgerQueue                    // + ledger, queue-only mode
	costLedgerDurable                  // ledger durable: fsync (shared by concurrent requests) before the answer
	costBoltStore                      // + the bbolt review store of the example (tickets and the decision index, fsynced)
	costMonitors                       // + drift and fairness monitors
	costTelemetry                      // + OTel SDK, otelhttp, OTLP/HTTP exporters to a discarding collector
)

// costExplain is how much explaining is on, for the requests the policy
// explains (adverse, near the threshold, outside the intended use).
type costExplain int

const (
	explainNone           costExplain = iota
	explainShapley                    // Shapley values and reason codes
	explainCounterfactual             // and the counterfactual search
)

var costSteps = []struct {
	name    string
	level   costLevel
	explain costExplain
	queued  bool // the ledger queue-only and the review store in memory, whatever the level
}{
	{"1_bare", costBare, explainNone, false},
	{"2_disclosure", costDisclosure, explainNone, false},
	{"3_gate", costGate, explainNone, false},
	{"4_ledger_queued", costLedgerQueue, explainNone, false},
	{"5_ledger_durable", costLedgerDurable, explainNone, false},
	{"6_bbolt_store", costBoltStore, explainNone, false},
	{"7_monitors", costMonitors, explainNone, false},
	{"8_telemetry", costTelemetry, explainNone, false},
	{"9_all+explanation", costTelemetry, explainShapley, false},
	{"10_all+counterfactual", costTelemetry, explainCounterfactual, false},
	{"queued+monitors", costMonitors, explainNone, true},
	{"queued+telemetry", costTelemetry, explainNone, true},
	{"bare+explanation", costBare, explainShapley, false},
	{"bare+counterfactual", costBare, explainCounterfactual, false},
}

// costModel is the example's model and what its explanations need, built
// once: training takes a while.
var costModel = sync.OnceValue(func() *service {
	s := &service{}
	pop := newPopulation(42)
	const n = 5000
	xs, ys := make([][]float64, n), make([]bool, n)
	apps := make([]Applicant, n)
	for i := range xs {
		apps[i] = pop.applicant(i)
		xs[i], ys[i] = apps[i].features(), pop.repaid(apps[i])
	}
	cut := n * 4 / 5
	var err error
	if s.model, err = trainLogistic(xs[:cut], ys[:cut], 400, 0.5); err != nil {
		panic(err)
	}
	s.train = explain.NewMatrix(cut, len(featureNames))
	for i := 0; i < cut; i++ {
		copy(s.train.Row(i), xs[i])
	}
	if s.means, err = explain.ColumnMeans(s.train, nil); err != nil {
		panic(err)
	}
	w, b := s.model.rawCoefficients()
	bg := explain.Matrix{Rows: 1, Cols: len(s.means), Data: s.means}
	if s.explainer, err = explain.NewLinear(w, b, bg, explain.WithLink(explain.LinkLogit),
		explain.WithFeatureNames(featureNames...)); err != nil {
		panic(err)
	}
	costApps = apps[cut:]
	return s
})

// costApps are the requests: held-out applicants of the training
// population, sent in turn.
var costApps []Applicant

// costRig is a service with the controls of one level.
type costRig struct {
	*service
	level   costLevel
	explain costExplain
	sys     *aims.System
	handler http.Handler
	close   func()
}

func newCostRig(b *testing.B, level costLevel, expl costExplain, queued bool) *costRig {
	b.Helper()
	m := costModel()
	ctx := context.Background()
	s := &service{model: m.model, explainer: m.explainer, means: m.means, train: m.train}
	r := &costRig{service: s, level: level, explain: expl}
	// The folder first: cleanups run last-in first-out, so the rig is
	// closed before the folder is removed.
	dir := b.TempDir()
	var closers []func()
	r.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	b.Cleanup(r.close)
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}

	var (
		tp    trace.TracerProvider   = tracenoop.NewTracerProvider()
		mp    metric.MeterProvider   = metricnoop.NewMeterProvider()
		lp    otellog.LoggerProvider = lognoop.NewLoggerProvider()
		sdkTP *sdktrace.TracerProvider
	)
	if level >= costTelemetry {
		// A collector that reads and discards what it gets: the service
		// pays for encoding and sending, not for a collector's work.
		col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
		}))
		closers = append(closers, col.Close)
		se, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(col.URL+"/v1/traces"))
		must(err)
		me, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(col.URL+"/v1/metrics"))
		must(err)
		le, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(col.URL+"/v1/logs"))
		must(err)
		res, err := newResource()
		must(err)
		sdkTP = sdktrace.NewTracerProvider(sdktrace.WithBatcher(se), sdktrace.WithResource(res))
		// As the example's: HTTP server metrics keep only bounded attributes.
		smp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithView(httpServerMetricsView()),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me, sdkmetric.WithInterval(time.Second))))
		// As the example's (telemetry.go): key de-duplication off.
		slp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithAllowKeyDuplication(),
			sdklog.WithProcessor(sdklog.NewBatchProcessor(le,
				sdklog.WithExportInterval(500*time.Millisecond), sdklog.WithMaxQueueSize(65536))))
		tp, mp, lp = sdkTP, smp, slp
		closers = append(closers, func() {
			_ = sdkTP.Shutdown(ctx)
			_ = smp.Shutdown(ctx)
			_ = slp.Shutdown(ctx)
		})
	}
	tel := []aims.TelemetryOption{aims.WithTracerProvider(tp), aims.WithMeterProvider(mp), aims.WithLoggerProvider(lp)}

	if level >= costGate {
		sysOpts := []aims.SystemOption{
			aims.WithAllowList(aims.NewAllowList("income", "debt", "term_months", "amount", "years_employed", "late_payments")),
			aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}),
		}
		for _, o := range tel {
			sysOpts = append(sysOpts, o)
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		pseud, err := aims.NewPseudonymizer(key, "bench")
		must(err)
		sysOpts = append(sysOpts, aims.WithPseudonymizer(pseud))
		if level >= costLedgerQueue {
			lk, err := loadLedgerKey(filepath.Join(dir, "ledger.key"), dir, filepath.Join(dir, "ledger"))
			must(err)
			lopts := []ledger.Option{ledger.WithCheckpointEvery(100, 5*time.Second),
				ledger.WithTracerProvider(tp), ledger.WithMeterProvider(mp), ledger.WithLoggerProvider(lp)}
			if level == costLedgerQueue || queued {
				lopts = append(lopts, ledger.WithWaitDurable(false))
			}
			led, err := ledger.Open(ctx, filepath.Join(dir, "ledger"), systemID, "bench", lk.signer, lopts...)
			must(err)
			sysOpts = append(sysOpts, aims.WithLedger(led))
		}
		sys, err := aims.NewSystem(systemID, sysOpts...)
		must(err)
		closers = append(closers, func() { _ = sys.Close(ctx) })
		scoreBand, err := oversight.ScoreBand(band)
		must(err)
		var store oversight.Store = oversight.NewMemoryStore()
		if level >= costBoltStore && !queued {
			bs, err := boltstore.Open(ctx, filepath.Join(dir, "oversight.db"))
			must(err)
			closers = append(closers, func() { _ = bs.Close(ctx) })
			store = bs
		}
		var onResolved func(oversight.Outcome)
		if level >= costMonitors {
			s.book = newDecisionBook(s.observeFinal)
			onResolved = s.book.resolved
		}
		s.gate, err = oversight.New(ctx, sys, oversight.WithStore(store),
			oversight.WithPolicy(oversight.Strictest(scoreBand, oversight.AdverseOutcome(), intendedUsePolicy())),
			oversight.WithOnResolved(onResolved),
			oversight.WithDeadlines(time.Hour, time.Hour),
			oversight.WithAuthorizer(oversight.AllOf(oversight.RoleBased("credit-officer", "senior-credit-officer"), oversight.FourEyes())),
			oversight.WithTracerProvider(tp), oversight.WithMeterProvider(mp), oversight.WithLoggerProvider(lp))
		must(err)
		closers = append(closers, func() { _ = s.gate.Close(ctx) })
		r.sys = sys
	}
	if level >= costMonitors {
		var err error
		s.fair, err = fairness.NewMonitor([]string{"sex", "region"},
			fairness.WithCountWindow(400), fairness.WithMinGroupDecisions(30),
			fairness.WithGroupLevels("sex", "female", "male", "other"), fairness.WithGroupLevels("region", "north", "south"),
			fairness.WithThreshold(fairness.Threshold{Disparity: fairness.DemographicParityRatio, Limit: fairness.FourFifthsThreshold}),
			fairness.WithMeterProvider(mp), fairness.WithLoggerProvider(lp))
		must(err)
		closers = append(closers, func() { _ = s.fair.Close(ctx) })
		profiles, err := trainingProfiles(costApps, m.model)
		must(err)
		s.drift, err = drift.NewMonitor(profiles, drift.WithCountWindow(300), drift.WithMinObservations(100),
			drift.WithNumericTest(strictKS), drift.WithInterval(time.Hour),
			drift.WithMeterProvider(mp), drift.WithLoggerProvider(lp))
		must(err)
		closers = append(closers, func() { _ = s.drift.Close(ctx) })
	}
	if level >= costDisclosure {
		var err error
		s.disc, err = aims.NewDiscloser(aims.Disclosure{
			Kind: aims.DisclosureAutomatedDecision, Provider: "Example Lending Ltd",
			InfoURL: "https://lending.example/ai-decisions", SystemID: systemID,
		}, tel[0], tel[1], tel[2])
		must(err)
	}

	var h http.Handler = http.HandlerFunc(r.handleApplication)
	if s.disc != nil {
		h = s.disc.Middleware(h)
	}
	if sdkTP != nil {
		h = otelhttp.NewHandler(h, "creditscore", otelhttp.WithTracerProvider(tp),
			otelhttp.WithMeterProvider(mp), otelhttp.WithPropagators(propagation.TraceContext{}),
			otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return "POST /v1/applications" }))
	}
	r.handler = h
	return r
}

// handleApplication is service.handleApplication with the controls of
// r.level; the contest credential is the service's, not a control.
func (r *costRig) handleApplication(w http.ResponseWriter, req *http.Request) {
	obj, p := decodeObject(w, req, 1<<16)
	if p == nil {
		var a Applicant
		if a, p = parseApplication(obj); p == nil {
			resp, err := r.decide(req.Context(), a)
			if err != nil {
				r.fail(w, req, err)
				return
			}
			r.writeJSON(w, req, http.StatusOK, resp)
			return
		}
	}
	writeProblem(w, req, p)
}

// decide is service.decide with the controls of r.level.
func (r *costRig) decide(ctx context.Context, a Applicant) (decisionResponse, error) {
	s := r.service
	x, score, outOfUse, draft := s.score(a)
	if r.explain > explainNone && needsExplanation(draft, score, outOfUse) {
		var err error
		if draft.Explanation, err = r.explainDecision(ctx, x); err != nil {
			return decisionResponse{}, err
		}
	}
	if r.level < costGate {
		resp := decisionResponse{Status: "decided", Decision: draft.Output, Score: score, OutsideIntendedUse: outOfUse}
		if draft.Explanation != nil && draft.Output == "deny" {
			resp.Reasons, resp.WhatIf = draft.Explanation.ReasonCodes, draft.Explanation.Counterfactuals
		}
		return resp, nil
	}
	d, err := r.sys.NewDecision(ctx, draft)
	if err != nil {
		return decisionResponse{}, err
	}
	if s.drift != nil {
		if err := s.observeDrift(x, score, a.Region); err != nil {
			return decisionResponse{}, err
		}
		s.book.prepare(d, []string{a.Sex, a.Region})
	}
	out, err := s.gate.Submit(withOutOfUse(oversight.ContextWithSubmitter(ctx, "svc:creditscore"), outOfUse), d)
	if err != nil {
		return decisionResponse{}, err
	}
	if s.book != nil {
		s.book.submitted(out)
	}
	resp := responseFor(d.ID, out)
	resp.OutsideIntendedUse = outOfUse
	return resp, nil
}

// explainDecision is service.explainDecision without the counterfactual
// below explainCounterfactual.
func (r *costRig) explainDecision(ctx context.Context, x []float64) (*aims.Explanation, error) {
	if r.explain >= explainCounterfactual {
		return r.service.explainDecision(ctx, x)
	}
	e, reasons, err := r.service.reasons(ctx, x)
	if err != nil {
		return nil, err
	}
	return e.Record(reasons), nil
}

// writeJSON is service.writeJSON; without a discloser the body goes out
// as it is.
func (r *costRig) writeJSON(w http.ResponseWriter, req *http.Request, status int, v any) {
	if r.disc != nil {
		r.service.writeJSON(w, req, status, v)
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// post sends body to the rig's POST /v1/applications in-process.
func (r *costRig) post(body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/applications", bytes.NewReader(body))
	req.Pattern = "POST /v1/applications"
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	return w
}

// costBodies are the JSON bodies of costApps.
func costBodies(b *testing.B) [][]byte {
	costModel()
	bodies := make([][]byte, len(costApps))
	for i, a := range costApps {
		a.CustomerID = fmt.Sprintf("c-%d", i)
		raw, err := json.Marshal(a)
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = raw
	}
	return bodies
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGovernanceCost is the table in README "Performance: the cost of
// governance".
func BenchmarkGovernanceCost(b *testing.B) {
	bodies := costBodies(b)
	b.Run("0_model", func(b *testing.B) {
		xs := make([][]float64, len(costApps))
		for i, a := range costApps {
			xs[i] = a.features()
		}
		m := costModel().model
		var sink float64
		b.ReportAllocs()
		start := cpuTime()
		i := 0
		for b.Loop() {
			sink += m.Score(xs[i%len(xs)])
			i++
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		_ = sink
	})
	for _, st := range costSteps {
		b.Run(st.name, func(b *testing.B) {
			r := newCostRig(b, st.level, st.explain, st.queued)
			b.ReportAllocs()
			start := cpuTime()
			i := 0
			for b.Loop() {
				if w := r.post(bodies[i%len(bodies)]); w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				i++
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGovernanceCostUnderLoad is BenchmarkGovernanceCost's decision
// path under concurrent requests, as a busy service pays it: 16 requests
// in flight on two cores (b.SetParallelism(8)). Concurrent decisions share
// the durable ledger's fsyncs (group commit) and the bbolt store's
// write-behind commits, and held decisions' tickets created at the same
// time share a commit, so durability costs a request less here than one
// request at a time. cpu-ns/op is the process CPU per request, ns/op the wall
// time per request (the inverse of the throughput).
//
//	go test -run '^$' -bench GovernanceCostUnderLoad -benchmem -benchtime 4000x ./examples/creditscore/
func BenchmarkGovernanceCostUnderLoad(b *testing.B) {
	bodies := costBodies(b)
	for _, st := range costSteps {
		if st.queued || st.name == "bare+explanation" || st.name == "bare+counterfactual" {
			continue
		}
		b.Run(st.name, func(b *testing.B) {
			r := newCostRig(b, st.level, st.explain, st.queued)
			var next atomic.Int64
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					if w := r.post(bodies[i%len(bodies)]); w.Code != http.StatusOK {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestGovernanceCostRequests checks the benchmark's requests: every one is
// accepted by every level, and the share the policy explains.
func TestGovernanceCostRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the model")
	}
	m := costModel()
	explained := 0
	for _, a := range costApps {
		score := m.model.Score(a.features())
		if score < threshold || math.Abs(score-threshold) < band || len(intendedUseProblems(a)) > 0 {
			explained++
		}
	}
	t.Logf("%d of %d requests need an explanation (adverse, near the threshold or outside the intended use)", explained, len(costApps))
	if explained == 0 || explained == len(costApps) {
		t.Fatalf("the mix explains %d of %d requests; the benchmark needs both kinds", explained, len(costApps))
	}
}
