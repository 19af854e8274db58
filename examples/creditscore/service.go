package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/drift"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/fairness"
	"github.com/aimskit/aimskit/inventory"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/postgres"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

//go:embed soa.yaml
var soaFile []byte

// The management-system records kept with the code: the impact assessment
// and the deployment authorisation (a high-risk system is registered as
// deployed only with both), the approved change of the model since that
// authorisation, and the risk register.
var (
	//go:embed impact_assessment.yaml
	impactAssessmentFile []byte
	//go:embed deployment_authorisation.yaml
	deploymentAuthorisationFile []byte
	//go:embed change_record.yaml
	changeRecordFile []byte
	//go:embed risk_register.yaml
	riskRegisterFile []byte
)

const (
	systemID      = "credit-scoring"
	systemVersion = "1.0.0"
	// modelVersion is the model the service runs: the recalibration that
	// change_record.yaml approved after the deployment authorisation.
	modelVersion = "1.0.1"
	threshold    = 0.5
	// band is the half-width of the score band around the threshold in
	// which decisions count as low-confidence and go to a human.
	band = 0.08
	// fairnessMinGroup is the fewest decisions (labelled decisions for
	// TPR and FPR) a group needs to take part in the disparities.
	fairnessMinGroup = 30
)

type config struct {
	dataDir       string
	keyFile       string // private signing key of the ledger; "" for AIMS_LEDGER_SIGNING_KEY or the default file
	seed          uint64
	instance      string
	heartbeat     time.Duration
	driftInterval time.Duration
	// incidentCheck is how often Art. 73 reporting deadlines are checked
	// (0: never in the background).
	incidentCheck  time.Duration
	metricInterval time.Duration
	reviewDeadline time.Duration
	serviceToken   string // credential of the systems that report loan outcomes; "" makes one up
	// oversightDSN, when set, puts the review queue, the decision index
	// and the halts in PostgreSQL, shared by every replica of a fleet;
	// "" keeps them in the embedded store, which serves one replica.
	oversightDSN string
	// contestKey is the secret of the applicants' contest credentials;
	// nil makes one up. The replicas of a fleet share it, so any of them
	// accepts a credential another one issued.
	contestKey []byte
	// driftWindow is the drift monitor's count window per feature (0:
	// 300).
	driftWindow int
	// fairPending bounds the decisions the fairness monitor keeps waiting
	// for their outcome (fairness.WithMaxPending; 0: its default).
	fairPending int
	// haltRefresh bounds how long a halt pressed on another replica takes
	// to stop this one (oversight.WithHaltRefresh); 0 keeps the gate's
	// default, 1 s.
	haltRefresh time.Duration
	// spanProcessor, when set, also receives every span (tests record them).
	spanProcessor sdktrace.SpanProcessor
}

// service is the loan-decision service and the governance around it.
type service struct {
	cfg       config
	tel       *telemetry
	model     *logisticModel
	explainer *explain.LinearExplainer
	means     []float64
	train     explain.Matrix
	reg       *inventory.Registration // the front door: the aims.System of the service
	registry  *inventory.Registry
	ledgerKey ledgerKey
	gate      *oversight.Gate
	store     oversight.Store
	console   *oversight.Console
	accounts  *reviewerAccounts
	creds     *credentials
	book      *decisionBook  // every decision by ID, as it stands
	lookup    decisionLookup // the gate: every decision it routed, by decision ID
	disc      *aims.Discloser
	soa       *aims.SoA
	fair      *fairness.Monitor
	drift     *drift.Monitor
	incidents *aims.IncidentBook
	reportMu  sync.Mutex // serialises applicants' problem reports (handleReport)
	closers   []func(context.Context) error
}

func newService(ctx context.Context, cfg config) (_ *service, err error) {
	if cfg.driftWindow == 0 {
		cfg.driftWindow = 300
	}
	s := &service{cfg: cfg}
	defer func() {
		if err != nil {
			_ = s.Close(context.Background())
		}
	}()
	if s.soa, err = aims.ParseSoA(soaFile); err != nil {
		return nil, err
	}
	if err = s.soa.Validate(); err != nil {
		return nil, err
	}
	if err = os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, err
	}

	// Model: trained at start-up on synthetic applicants; 20% held out.
	tr, err := trainModel(cfg.seed)
	if err != nil {
		return nil, err
	}
	s.model = tr.model
	xs, ys, apps, cut := tr.xs, tr.ys, tr.apps, tr.cut
	auc := rocAUC(s.model, xs[cut:], ys[cut:])

	// The AI system's identity goes on the resource, so every record of
	// every signal can be joined to it.
	res, err := newResource(
		semconv.AimsSystemID.String(systemID),
		semconv.AimsSystemVersion.String(systemVersion),
		semconv.AimsSystemInstance.String(cfg.instance),
	)
	if err != nil {
		return nil, err
	}
	if s.tel, err = setupTelemetry(ctx, filepath.Join(cfg.dataDir, "telemetry"), res, cfg.metricInterval, cfg.spanProcessor); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.tel.Shutdown)

	// Explanations: closed-form Shapley values of the logistic margin.
	s.train = explain.NewMatrix(cut, len(featureNames))
	for i := 0; i < cut; i++ {
		copy(s.train.Row(i), xs[i])
	}
	if s.means, err = explain.ColumnMeans(s.train, nil); err != nil {
		return nil, err
	}
	w, b := s.model.rawCoefficients()
	bg := explain.Matrix{Rows: 1, Cols: len(s.means), Data: s.means}
	if s.explainer, err = explain.NewLinear(w, b, bg, explain.WithLink(explain.LinkLogit),
		explain.WithFeatureNames(featureNames...)); err != nil {
		return nil, err
	}

	// The system handle: inventory registration, decision log on a signed,
	// tamper-evident ledger, and the privacy policy every decision is
	// created under (pseudonymised subject, allow-listed inputs).
	// The private key stays outside the ledger folder; the public key is
	// published where auditors take it from: the inventory registration
	// and the Statement of Applicability.
	ledgerDir := filepath.Join(cfg.dataDir, "ledger")
	if s.ledgerKey, err = loadLedgerKey(cfg.keyFile, cfg.dataDir, ledgerDir); err != nil {
		return nil, err
	}
	if err = publishKeyInSoA(s.soa, s.ledgerKey.vkey); err != nil {
		return nil, err
	}
	led, err := ledger.Open(ctx, ledgerDir, systemID, cfg.instance, s.ledgerKey.signer,
		ledger.WithCheckpointEvery(100, 5*time.Second))
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32) // a real service loads it from its secret store
	if _, err = rand.Read(key); err != nil {
		return nil, errors.Join(err, led.Close(ctx))
	}
	pseud, err := aims.NewPseudonymizer(key, "example")
	if err != nil {
		return nil, errors.Join(err, led.Close(ctx))
	}
	assessment, authorisation, change, risks, err := governanceRecords()
	if err != nil {
		return nil, errors.Join(err, led.Close(ctx))
	}
	s.registry = inventory.NewRegistry()
	if s.reg, err = inventory.Register(ctx, systemDescription(auc, s.ledgerKey.vkey), inventory.WithRegistry(s.registry),
		inventory.WithImpactAssessment(assessment), inventory.WithDeploymentAuthorisation(authorisation),
		inventory.WithChanges(change),
		inventory.WithInstance(cfg.instance), inventory.WithHeartbeatInterval(cfg.heartbeat),
		inventory.WithSystemOptions(aims.WithLedger(led), aims.WithPseudonymizer(pseud),
			aims.WithAllowList(aims.NewAllowList("income", "debt", "term_months", "amount", "years_employed", "late_payments")),
			aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))); err != nil {
		return nil, errors.Join(err, led.Close(ctx))
	}
	s.closers = append(s.closers, s.reg.Close) // closes the decision log and the ledger too

	// The risk register goes into the ledger as one record per risk, and
	// an overdue review raises an event.
	if err = risks.Record(ctx, s.reg.System); err != nil {
		return nil, err
	}
	if _, err = risks.CheckReviews(ctx, s.reg.System, time.Now()); err != nil {
		return nil, err
	}
	// Incidents: opened by people (/incidents/), by the monitors' alarms
	// (one per ongoing alarm), by a halt and by a contest that changed a
	// decision; restored from the ledger, so a restart forgets none.
	var bookOpts []aims.IncidentOption
	if cfg.incidentCheck > 0 {
		bookOpts = append(bookOpts, aims.WithDeadlineCheck(cfg.incidentCheck))
	}
	if s.incidents, err = aims.NewIncidentBook(s.reg.System, bookOpts...); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.incidents.Close)
	if _, err = s.incidents.Restore(ctx, ""); err != nil {
		return nil, err
	}

	// Fairness by sex and region, four-fifths rule on approvals.
	fairOpts := []fairness.MonitorOption{}
	if cfg.fairPending > 0 {
		fairOpts = append(fairOpts, fairness.WithMaxPending(cfg.fairPending))
	}
	if s.fair, err = fairness.NewMonitor([]string{"sex", "region"}, append(fairOpts,
		fairness.WithCountWindow(400), fairness.WithMinGroupDecisions(fairnessMinGroup),
		// Group values come from the request: only declared levels become
		// series; anything else is counted under fairness.OverflowLevel.
		fairness.WithGroupLevels("sex", "female", "male", "other"), fairness.WithGroupLevels("region", "north", "south"),
		fairness.WithThreshold(fairness.Threshold{Disparity: fairness.DemographicParityRatio, Limit: fairness.FourFifthsThreshold}),
		fairness.WithAlarmHandler(aims.AlarmHandler[fairness.Alarm](s.incidents)))...); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.fair.Close)

	// Drift against profiles of the training data.
	profiles, err := trainingProfiles(apps[:cut], s.model)
	if err != nil {
		return nil, err
	}
	driftOpts := append(driftTests(cfg.driftWindow), drift.WithInterval(cfg.driftInterval),
		drift.WithAlarmHandler(aims.AlarmHandler[drift.Alarm](s.incidents)))
	if cfg.oversightDSN != "" {
		// A replica of a fleet sends its windows with its telemetry, so
		// the fleet's drift can be judged on all of them (fleetview.go).
		driftOpts = append(driftOpts, drift.WithWindowExport())
	}
	if s.drift, err = drift.NewMonitor(profiles, driftOpts...); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.drift.Close)

	// Human oversight: low-confidence and adverse decisions go to a person.
	scoreBand, err := oversight.ScoreBand(band)
	if err != nil {
		return nil, err
	}
	// The durable review queue: held tickets survive a restart. Embedded
	// for one replica; PostgreSQL for a fleet, where a halt, a review or a
	// contest on any replica acts on all of them.
	if cfg.oversightDSN != "" {
		pg, err := postgres.Open(ctx, cfg.oversightDSN)
		if err != nil {
			return nil, err
		}
		s.store = pg
		s.closers = append(s.closers, pg.Close)
	} else {
		bolt, err := boltstore.Open(ctx, filepath.Join(cfg.dataDir, "oversight.db"))
		if err != nil {
			return nil, err
		}
		s.store = bolt
		s.closers = append(s.closers, bolt.Close)
	}
	// Every decision by its ID; the fairness monitor gets each one's final
	// outcome, once it is known.
	s.book = newDecisionBook(s.observeFinal)
	if s.creds, err = newCredentials(cfg.serviceToken, cfg.contestKey); err != nil {
		return nil, err
	}
	// Applications outside the intended use are decided by a person.
	gateOpts := []oversight.Option{oversight.WithStore(s.store),
		oversight.WithPolicy(oversight.Strictest(scoreBand, oversight.AdverseOutcome(), intendedUsePolicy())),
		oversight.WithOnResolved(s.book.resolved),
		oversight.WithIncidents(s.incidents),
		oversight.WithDeadlines(cfg.reviewDeadline, cfg.reviewDeadline),
		oversight.WithAuthorizer(oversight.AllOf(oversight.RoleBased("credit-officer", "senior-credit-officer"), oversight.FourEyes())),
	}
	if cfg.haltRefresh > 0 {
		gateOpts = append(gateOpts, oversight.WithHaltRefresh(cfg.haltRefresh))
	}
	if s.gate, err = oversight.New(ctx, s.reg, gateOpts...); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.gate.Close)
	if cfg.oversightDSN != "" {
		// Another replica's reviewers may resolve this one's held
		// decisions: the callback above fires only where they act.
		s.closers = append(s.closers, s.watchResolutions(time.Second))
	}
	s.lookup = s.gate // the gate finds every decision it routed, by decision ID
	if s.accounts, err = newReviewerAccounts(time.Now); err != nil {
		return nil, err
	}
	if s.console, err = oversight.NewConsole(s.gate, s.accounts, oversight.WithBasePath("/review"),
		oversight.WithViewerRoles("credit-officer", "senior-credit-officer"),
		oversight.WithResumeRoles("senior-credit-officer")); err != nil {
		return nil, err
	}

	// Disclosure on every response that carries an AI output.
	if s.disc, err = s.reg.NewDiscloser(aims.Disclosure{
		Kind: aims.DisclosureAutomatedDecision, Provider: "Example Lending Ltd",
		InfoURL: "https://lending.example/ai-decisions",
	}); err != nil {
		return nil, err
	}

	return s, nil
}

// trained is the model trained at start-up and the data it was trained on.
type trained struct {
	model *logisticModel
	apps  []Applicant
	xs    [][]float64
	ys    []bool
	cut   int // xs[:cut] trained the model; the rest is held out
}

// trainModel trains the model on 5,000 synthetic applicants of the seed's
// population, 20% held out: the same model for the same seed, on every
// replica and in the fleet view.
func trainModel(seed uint64) (trained, error) {
	pop := newPopulation(seed)
	const n = 5000
	t := trained{xs: make([][]float64, n), ys: make([]bool, n), apps: make([]Applicant, n), cut: n * 4 / 5}
	for i := range t.xs {
		t.apps[i] = pop.applicant(i)
		t.xs[i], t.ys[i] = t.apps[i].features(), pop.repaid(t.apps[i])
	}
	var err error
	t.model, err = trainLogistic(t.xs[:t.cut], t.ys[:t.cut], 400, 0.5)
	return t, err
}

// driftTests are the drift monitor's window and tests, shared by the
// service and the fleet view. The window is small and evaluated often, so
// a numeric feature drifts only on strong evidence: KS with p <= 1e-4
// rather than the default normed Wasserstein distance, whose sampling
// noise on 100-300 values (0.05-0.2) crosses its 0.1 threshold without
// any drift, and every alarm opens an incident.
func driftTests(window int) []drift.MonitorOption {
	return []drift.MonitorOption{drift.WithCountWindow(window), drift.WithMinObservations(100), drift.WithNumericTest(strictKS)}
}

// strictKS is the example's numeric drift test: two-sample KS against the
// training profile, drift when p <= 1e-4.
func strictKS(p *drift.NumericProfile, current []float64) (drift.Result, error) {
	r, err := p.KS(current, drift.WithKSThreshold(1e-4))
	return r.Result, err
}

// trainingProfiles builds the drift reference: one profile per numeric
// feature, the region, and the model's score.
func trainingProfiles(apps []Applicant, m *logisticModel) (drift.Profiles, error) {
	var p drift.Profiles
	cols := make([][]float64, len(featureNames))
	scores := make([]float64, len(apps))
	regions := make([]string, len(apps))
	for i, a := range apps {
		for j, v := range a.features() {
			cols[j] = append(cols[j], v)
		}
		scores[i] = m.Score(a.features())
		regions[i] = a.Region
	}
	for j, name := range featureNames {
		np, err := drift.NewNumericProfile(name, cols[j])
		if err != nil {
			return p, err
		}
		p.Numeric = append(p.Numeric, np)
	}
	sp, err := drift.NewNumericProfile("prediction", scores)
	if err != nil {
		return p, err
	}
	p.Numeric = append(p.Numeric, sp)
	cp, err := drift.NewCategoricalProfile("region", regions)
	if err != nil {
		return p, err
	}
	p.Categorical = append(p.Categorical, cp)
	return p, nil
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/applications", s.disc.Middleware(http.HandlerFunc(s.handleApplication)))
	mux.Handle("GET /v1/decisions/{id}", s.disc.Middleware(http.HandlerFunc(s.handleStatus)))
	mux.Handle("POST /v1/decisions/{id}/contest", s.disc.Middleware(http.HandlerFunc(s.handleContest)))
	mux.Handle("POST /v1/decisions/{id}/report", s.disc.Middleware(http.HandlerFunc(s.handleReport)))
	mux.Handle("POST /v1/decisions/{id}/outcome", http.HandlerFunc(s.handleOutcome))
	mux.Handle("/inventory/", http.StripPrefix("/inventory", inventory.Handler(s.registry)))
	mux.Handle("/review/", s.accounts.challenge(s.console))
	// Incidents, for the people who handle them: the reviewer login, and
	// the logged-in user is who acted (the book records it, not a name
	// from the request body).
	incidents := s.accounts.challenge(actorFromLogin(s.incidents.Handler()))
	mux.Handle("/incidents", incidents)
	mux.Handle("/incidents/", incidents)
	mux.Handle("GET /incidents/console/", http.StripPrefix("/incidents/console", incidents))
	// The statement of applicability as a page for people; Markdown for
	// clients that ask for it.
	mux.HandleFunc("GET /soa", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/markdown") {
			w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
			_ = s.soa.RenderMarkdown(w)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = s.soa.RenderHTML(w)
	})
	// One trace per request: the server span is the root, and explaining,
	// gating and recording (which take r.Context()) are its children.
	// Its metrics take server.address and server.port from the client's
	// Host header; the telemetry's httpServerMetricsView drops them, so
	// made-up hosts cannot make series.
	return otelhttp.NewHandler(mux, "creditscore", otelhttp.WithTracerProvider(s.tel.tp),
		otelhttp.WithMeterProvider(s.tel.mp), otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}))
}

// Close stops everything in reverse order of start: the gate first (no
// more resolutions reach the monitors), then the drift and fairness
// monitors (their final evaluations and events, while the telemetry
// pipeline still runs), the review store, the decision log and ledger
// (final signed checkpoint) with the inventory heartbeat, and last the
// telemetry pipeline, which flushes every signal (the metric readers
// collect the monitors' gauges one final time) before it stops.
func (s *service) Close(ctx context.Context) error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	if len(errs) > 0 {
		return fmt.Errorf("closing service: %w", errors.Join(errs...))
	}
	return nil
}
