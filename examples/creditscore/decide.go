package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/oversight"
)

// decisionResponse is what an applicant's client gets back.
type decisionResponse struct {
	DecisionID string                `json:"decision_id"`
	Status     string                `json:"status"` // decided, pending_review, blocked
	Decision   string                `json:"decision,omitempty"`
	Score      float64               `json:"score"`
	TicketID   string                `json:"ticket_id,omitempty"`
	Reasons    []aims.ReasonCode     `json:"reasons,omitempty"`
	WhatIf     []aims.Counterfactual `json:"what_would_change_it,omitempty"`
}

func (s *service) handleApplication(w http.ResponseWriter, r *http.Request) {
	var a Applicant
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		http.Error(w, "bad application: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := s.decide(r.Context(), a)
	if err != nil {
		status := http.StatusInternalServerError
		var bad badInput
		if errors.As(err, &bad) {
			status = http.StatusUnprocessableEntity
		}
		http.Error(w, err.Error(), status)
		return
	}
	s.writeJSON(w, r, http.StatusOK, resp)
}

type badInput struct{ error }

// decide scores an application, explains an adverse score, routes the
// decision through the oversight gate (which records it in the decision
// log), and feeds the fairness and drift monitors.
func (s *service) decide(ctx context.Context, a Applicant) (decisionResponse, error) {
	if err := a.validate(); err != nil {
		return decisionResponse{}, badInput{err}
	}
	x := a.features()
	score := s.model.Score(x)
	// The raw application stays here; the record is clean from the start
	// (pseudonymised customer, allow-listed inputs only).
	draft := aims.Draft{Subject: a.CustomerID, Inputs: map[string]any{}, Output: "approve", Score: &score, Threshold: new(threshold)}
	for i, name := range featureNames {
		draft.Inputs[name] = x[i]
	}
	if score < threshold {
		draft.Output = "deny" // declared adverse
	}
	if draft.Output == "deny" || math.Abs(score-threshold) < band {
		var err error
		if draft.Explanation, err = s.explainDecision(ctx, x); err != nil {
			return decisionResponse{}, fmt.Errorf("explaining: %w", err)
		}
	}
	d, err := s.reg.NewDecision(ctx, draft)
	if err != nil {
		return decisionResponse{}, err
	}

	// Monitors see the model's proposal, before any human changes it: they
	// watch the model.
	pred := 0
	if !d.Adverse {
		pred = 1
	}
	if err := s.fair.Observe(d.ID, []string{a.Sex, a.Region}, pred); err != nil {
		return decisionResponse{}, err
	}
	numeric := make(map[string]float64, len(featureNames))
	for i, name := range featureNames {
		numeric[name] = x[i]
	}
	if err := s.drift.Observe(numeric, map[string]string{"region": a.Region}); err != nil {
		return decisionResponse{}, err
	}
	if err := s.drift.ObservePrediction(score); err != nil {
		return decisionResponse{}, err
	}

	out, err := s.gate.Submit(oversight.ContextWithSubmitter(ctx, "svc:creditscore"), d)
	if err != nil {
		return decisionResponse{}, err
	}
	return responseFor(out), nil
}

func responseFor(out oversight.Outcome) decisionResponse {
	d := out.Decision
	resp := decisionResponse{DecisionID: d.ID}
	if d.Score != nil {
		resp.Score = *d.Score
	}
	switch {
	case out.Pending():
		resp.Status = "pending_review"
	case out.Applied:
		resp.Status, resp.Decision = "decided", d.Output
	default:
		resp.Status = "not_applied:" + string(out.Action)
	}
	if out.Ticket != nil {
		resp.TicketID = out.Ticket.ID
	}
	if d.Explanation != nil && d.Adverse {
		resp.Reasons = d.Explanation.ReasonCodes
		resp.WhatIf = d.Explanation.Counterfactuals
	}
	return resp
}

// explainDecision attributes the score to the features (exact Shapley
// values of the logistic margin), words the top reasons against approval,
// and searches one counterfactual the applicant could act on.
func (s *service) explainDecision(ctx context.Context, x []float64) (*aims.Explanation, error) {
	e, err := s.explainer.Explain(ctx, x)
	if err != nil {
		return nil, err
	}
	reasons, err := explain.ReasonCodes(e, explain.ReasonOptions{
		TopK: 4, Descriptions: reasonDescriptions, Input: x, Reference: s.means,
	})
	if err != nil {
		return nil, err
	}
	// A search that finds nothing within the constraints leaves the record
	// without a counterfactual.
	cf, _ := explain.Counterfactuals(ctx, explain.Func(s.model.Score), x, explain.Above(threshold+0.02), explain.CounterfactualOptions{
		K: 1, FeatureNames: featureNames, Constraints: counterfactualConstraints(), Data: s.train,
		Seed: 7, Population: 48, Generations: 30, Outcome: "approve", OutcomeText: "approved",
	})
	return e.Record(reasons, cf.Counterfactuals...), nil
}

func (a Applicant) validate() error {
	switch {
	case a.CustomerID == "":
		return errors.New("customer_id is required")
	case a.Age < 18 || a.Age > 100:
		return fmt.Errorf("age %v is outside 18–100", a.Age)
	case a.Income <= 0:
		return errors.New("income must be positive")
	case a.Debt < 0 || a.Amount <= 0 || a.TermMonths <= 0 || a.YearsEmploy < 0 || a.LatePayments < 0:
		return errors.New("debt, years_employed and late_payments must be ≥ 0; amount and term_months > 0")
	case a.Region == "" || a.Sex == "":
		return errors.New("region and sex are required (sex is used only for fairness monitoring)")
	}
	for _, v := range a.features() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("every number must be finite")
		}
	}
	return nil
}

func (s *service) handleStatus(w http.ResponseWriter, r *http.Request) {
	out, err := s.gate.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	s.writeJSON(w, r, http.StatusOK, responseFor(out))
}

func (s *service) handleContest(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Grounds string `json:"grounds"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<14)).Decode(&body); err != nil || strings.TrimSpace(body.Grounds) == "" {
		http.Error(w, `contest needs {"grounds": "..."}`, http.StatusBadRequest)
		return
	}
	t, err := s.gate.Contest(r.Context(), r.PathValue("id"), body.Grounds)
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, map[string]string{"ticket_id": t.ID, "status": "contest_under_review"})
}

// handleOutcome receives the real outcome of a loan (repaid or not) when it
// becomes known: the label joins the fairness monitor by decision ID, and
// the drift monitor watches the error rate.
func (s *service) handleOutcome(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Repaid        *bool `json:"repaid"`
		ModelApproved *bool `json:"model_approved"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&body); err != nil || body.Repaid == nil {
		http.Error(w, `outcome needs {"repaid": true|false}`, http.StatusBadRequest)
		return
	}
	label := 0
	if *body.Repaid {
		label = 1
	}
	if err := s.fair.ObserveLabel(r.PathValue("id"), label); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if body.ModelApproved != nil {
		if _, err := s.drift.ObserveOutcome(*body.ModelApproved != *body.Repaid); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *service) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err == nil {
		body, err = s.disc.AttachJSON(r.Context(), body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
