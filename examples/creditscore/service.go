package main

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/aimskit/aimskit/aims"
)

//go:embed soa.yaml
var soaFile []byte

const (
	systemID      = "credit-scoring"
	systemVersion = "1.0.0"
	threshold     = 0.5
)

type config struct {
	dataDir string
	seed    uint64
}

// service is the loan-decision service and the governance around it.
type service struct {
	model *logisticModel
	disc  *aims.Discloser
	pseud *aims.Pseudonymizer
	allow aims.AllowList
	soa   *aims.SoA
	mu    sync.Mutex
	out   *os.File
	outw  *bufio.Writer
}

func newService(ctx context.Context, cfg config) (*service, error) {
	soa, err := aims.ParseSoA(soaFile)
	if err != nil {
		return nil, err
	}
	if err := soa.Validate(); err != nil {
		return nil, err
	}
	pop := newPopulation(cfg.seed)
	xs, ys := make([][]float64, 4000), make([]bool, 4000)
	for i := range xs {
		a := pop.applicant(i)
		xs[i], ys[i] = a.features(), pop.repaid(a)
	}
	mdl, err := trainLogistic(xs, ys, 300, 0.5)
	if err != nil {
		return nil, err
	}
	disc, err := aims.NewDiscloser(aims.Disclosure{
		Kind: aims.DisclosureAutomatedDecision, SystemID: systemID,
		Model: "logistic-" + systemVersion, Provider: "Example Lending Ltd",
		InfoURL: "https://lending.example/ai-decisions",
	})
	if err != nil {
		return nil, err
	}
	// A real service loads the key from a secret store; the example makes one per run.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	pseud, err := aims.NewPseudonymizer(key, "example")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(cfg.dataDir, "decisions.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &service{
		model: mdl, disc: disc, pseud: pseud, soa: soa, out: f, outw: bufio.NewWriter(f),
		allow: aims.NewAllowList("income", "debt", "term_months", "amount", "years_employed", "late_payments"),
	}, nil
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/applications", s.disc.Middleware(http.HandlerFunc(s.decide)))
	mux.HandleFunc("GET /soa", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_ = s.soa.RenderMarkdown(w)
	})
	return mux
}

func (s *service) decide(w http.ResponseWriter, r *http.Request) {
	var a Applicant
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		http.Error(w, "bad application: "+err.Error(), http.StatusBadRequest)
		return
	}
	d, err := s.decideApplicant(r.Context(), a)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	body, _ := json.Marshal(map[string]any{"decision_id": d.ID, "decision": d.Output, "score": *d.Score})
	body, err = s.disc.AttachJSON(r.Context(), body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (s *service) decideApplicant(ctx context.Context, a Applicant) (aims.Decision, error) {
	if a.CustomerID == "" || a.Income <= 0 {
		return aims.Decision{}, fmt.Errorf("application needs a customer_id and a positive income")
	}
	score := s.model.Score(a.features())
	d, err := aims.NewDecision(ctx, systemID)
	if err != nil {
		return d, err
	}
	d.SystemVersion = systemVersion
	d.Model = aims.ModelRef{Name: "logistic", Version: systemVersion}
	d.Subject = s.pseud.Pseudonym(a.CustomerID)
	inputs := map[string]any{}
	for i, n := range featureNames {
		inputs[n] = a.features()[i]
	}
	if d.Inputs, err = s.allow.Filter(inputs); err != nil {
		return d, err
	}
	thr := threshold
	d.Score, d.Threshold = &score, &thr
	d.Output = "approve"
	if score < threshold {
		d.Output, d.Adverse = "deny", true
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	line, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.outw.Write(append(line, '\n'))
	return d, nil
}

// Close flushes the decision records.
func (s *service) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.outw.Flush(); err != nil {
		return err
	}
	return s.out.Close()
}
