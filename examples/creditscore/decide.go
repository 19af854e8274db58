package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"slices"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/fairness"
	"github.com/aimskit/aimskit/oversight"
)

// decisionResponse is what an applicant's client gets back.
type decisionResponse struct {
	DecisionID string  `json:"decision_id"`
	Status     string  `json:"status"` // decided, pending_review, not_applied:<action>
	Decision   string  `json:"decision,omitempty"`
	Score      float64 `json:"score"`
	TicketID   string  `json:"ticket_id,omitempty"`
	// ContestToken is the applicant's credential for this decision: a
	// bearer token for looking it up and contesting it. Only the decision
	// response carries it.
	ContestToken string                `json:"contest_token,omitempty"`
	Reasons      []aims.ReasonCode     `json:"reasons,omitempty"`
	WhatIf       []aims.Counterfactual `json:"what_would_change_it,omitempty"`
	// OutsideIntendedUse says why a person, not the model, decides.
	OutsideIntendedUse []string `json:"outside_intended_use,omitempty"`
}

func (s *service) handleApplication(w http.ResponseWriter, r *http.Request) {
	obj, p := decodeObject(w, r, 1<<16)
	if p == nil {
		var a Applicant
		if a, p = parseApplication(obj); p == nil {
			resp, err := s.decide(r.Context(), a)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			resp.ContestToken = s.creds.contestToken(resp.DecisionID)
			s.writeJSON(w, r, http.StatusOK, resp)
			return
		}
	}
	writeProblem(w, r, p)
}

// fail answers an internal error as a problem. What went wrong inside
// (the store, the ledger, their files) is for the operator's log, not for
// the client, who may be anyone: the problem says only that it failed.
func (s *service) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, oversight.ErrClosed):
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, problemUnavailable, "Service shutting down", ""))
	case errors.Is(err, oversight.ErrQueueFull):
		// The application needs a person and too many are waiting for
		// one: nothing was decided; the applicant tries again later.
		w.Header().Set("Retry-After", "600")
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, problemUnavailable, "Too many applications waiting for review", ""))
	default:
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		writeProblem(w, r, newProblem(http.StatusInternalServerError, problemInternal, "Internal error",
			"the request could not be completed; it has been logged"))
	}
}

// score scores an application and drafts its decision. The raw
// application stays here; the record is clean from the start
// (pseudonymised customer, allow-listed inputs only).
func (s *service) score(a Applicant) (x []float64, score float64, outOfUse []string, draft aims.Draft) {
	x = a.features()
	score = s.model.Score(x)
	outOfUse = intendedUseProblems(a)
	draft = aims.Draft{Subject: a.CustomerID, Inputs: map[string]any{}, Output: "approve", Score: &score, Threshold: new(threshold)}
	for i, name := range featureNames {
		draft.Inputs[name] = x[i]
	}
	if score < threshold {
		draft.Output = "deny" // declared adverse
	}
	return x, score, outOfUse, draft
}

// needsExplanation reports whether the policy wants a decision explained:
// adverse, close to the threshold, or outside the intended use (the
// decisions a person reviews).
func needsExplanation(draft aims.Draft, score float64, outOfUse []string) bool {
	return draft.Output == "deny" || math.Abs(score-threshold) < band || len(outOfUse) > 0
}

// observeDrift feeds the drift monitor the model's inputs and score.
func (s *service) observeDrift(x []float64, score float64, region string) error {
	numeric := make(map[string]float64, len(featureNames))
	for i, name := range featureNames {
		numeric[name] = x[i]
	}
	if err := s.drift.Observe(numeric, map[string]string{"region": region}); err != nil {
		return err
	}
	return s.drift.ObservePrediction(score)
}

// reasons attributes the score of x to its features and words the top
// four as reason codes.
func (s *service) reasons(ctx context.Context, x []float64) (explain.Explanation, []explain.ReasonCode, error) {
	e, err := s.explainer.Explain(ctx, x)
	if err != nil {
		return explain.Explanation{}, nil, err
	}
	reasons, err := explain.ReasonCodes(e, explain.ReasonOptions{
		TopK: 4, Descriptions: reasonDescriptions, Input: x, Reference: s.means,
	})
	return e, reasons, err
}

// decide scores an application, explains an adverse score, routes the
// decision through the oversight gate (which records it in the decision
// log), and feeds the drift monitor; the fairness monitor gets the final
// outcome, now for an automatic decision, at resolution for a held one.
func (s *service) decide(ctx context.Context, a Applicant) (decisionResponse, error) {
	x, score, outOfUse, draft := s.score(a)
	if needsExplanation(draft, score, outOfUse) {
		var err error
		if draft.Explanation, err = s.explainDecision(ctx, x); err != nil {
			return decisionResponse{}, fmt.Errorf("explaining: %w", err)
		}
	}
	d, err := s.reg.NewDecision(ctx, draft)
	if err != nil {
		return decisionResponse{}, err
	}
	if err := s.observeDrift(x, score, a.Region); err != nil {
		return decisionResponse{}, err
	}

	s.book.prepare(d, []string{a.Sex, a.Region})
	out, err := s.gate.Submit(withOutOfUse(oversight.ContextWithSubmitter(ctx, "svc:creditscore"), outOfUse), d)
	if err != nil {
		if out.Ticket == nil {
			s.book.forget(d.ID)
		}
		return decisionResponse{}, err
	}
	s.book.submitted(out)
	resp := responseFor(d.ID, out)
	resp.OutsideIntendedUse = outOfUse
	return resp, nil
}

// observeFinal feeds the fairness monitor a decision's final outcome:
// what the applicant got, after any review.
func (s *service) observeFinal(id string, groups []string, approved bool) {
	pred := 0
	if approved {
		pred = 1
	}
	if err := s.fair.Observe(id, groups, pred); err != nil && !errors.Is(err, fairness.ErrClosed) {
		log.Printf("fairness monitor: decision %s: %v", id, err)
	}
}

// responseFor words where decision id stands; out.Decision may be a later
// record of it (a review or contest resolution).
func responseFor(id string, out oversight.Outcome) decisionResponse {
	d := out.Decision
	resp := decisionResponse{DecisionID: id}
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
	e, reasons, err := s.reasons(ctx, x)
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

// handleStatus answers where a decision stands, by its decision ID, for
// the applicant (contest credential) or the service.
func (s *service) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.creds.checkContest(r, id); err != nil {
		refuse(w, r, "decision", err)
		return
	}
	out, err := s.lookup.Decision(r.Context(), id)
	if err != nil {
		writeProblem(w, r, newProblem(http.StatusNotFound, problemNotFound, "No such decision", ""))
		return
	}
	s.writeJSON(w, r, http.StatusOK, responseFor(id, out))
}

// applicantRequest checks what an applicant's request about one decision
// needs: the decision's contest credential, a JSON object with one text
// field (at most 4,000 bytes) and a decision that exists. It returns the
// decision ID and the text, or writes the refusal and returns false.
func (s *service) applicantRequest(w http.ResponseWriter, r *http.Request, what, field string) (id, text string, ok bool) {
	id = r.PathValue("id")
	if err := s.creds.checkContest(r, id); err != nil {
		refuse(w, r, what, err)
		return "", "", false
	}
	obj, p := decodeObject(w, r, 1<<14)
	if p == nil {
		f := &fieldReader{obj: obj}
		text = f.text(field, 4000)
		p = f.done()
	}
	if p != nil {
		writeProblem(w, r, p)
		return "", "", false
	}
	if _, err := s.lookup.Decision(r.Context(), id); err != nil {
		writeProblem(w, r, newProblem(http.StatusNotFound, problemNotFound, "No such decision", ""))
		return "", "", false
	}
	return id, text, true
}

// handleContest opens a review of a decision at the applicant's request;
// it needs the decision's contest credential.
func (s *service) handleContest(w http.ResponseWriter, r *http.Request) {
	id, grounds, ok := s.applicantRequest(w, r, "contest", "grounds")
	if !ok {
		return
	}
	t, err := s.gate.Contest(r.Context(), id, grounds)
	if errors.Is(err, oversight.ErrTooManyContests) {
		// A limit of this applicant, not of the service: 429, and no
		// Retry-After, since a contest ends when a reviewer resolves it.
		writeProblem(w, r, newProblem(http.StatusTooManyRequests, problemTooManyContests, "Too many open contests",
			"the contest was not opened: you may contest again once one of your open contests is resolved"))
		return
	}
	if errors.Is(err, oversight.ErrQueueFull) {
		w.Header().Set("Retry-After", "600")
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, problemUnavailable, "Too many reviews waiting", "the contest was not opened; try again later"))
		return
	}
	switch {
	case err != nil && t.ID != "":
		// The contest is open (reviewers see it); only its record is
		// late, and the gate's sweep writes it. That is the operator's
		// business: the applicant's contest stands.
		log.Printf("contest %s of decision %s: %v", t.ID, id, err)
	case err != nil:
		writeProblem(w, r, newProblem(http.StatusConflict, problemConflict, "Decision cannot be contested now", err.Error()))
		return
	}
	// An acknowledgement: no AI output in it, so no disclosure.
	aims.MarkAIOutput(r.Context(), false)
	body, _ := json.Marshal(map[string]string{"ticket_id": t.ID, "status": "contest_under_review"})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(body)
}

// handleOutcome receives the real outcome of a loan (repaid or not) when it
// becomes known, from the service that knows it (service credential). The
// label joins the fairness monitor by decision ID, and the drift monitor
// watches how often the final decision (after any review) was wrong.
func (s *service) handleOutcome(w http.ResponseWriter, r *http.Request) {
	if err := s.creds.checkService(r); err != nil {
		refuse(w, r, "outcomes", err)
		return
	}
	obj, p := decodeObject(w, r, 1<<12)
	var repaid *bool
	if p == nil {
		f := &fieldReader{obj: obj}
		repaid = f.boolean("repaid", true)
		p = f.done()
	}
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	id := r.PathValue("id")
	granted, err := s.book.label(id)
	if errors.Is(err, errNotFinal) {
		// Resolved on another replica since the last catch-up?
		s.catchUp(r.Context(), id)
		granted, err = s.book.label(id)
	}
	switch {
	case errors.Is(err, errUnknownDecision):
		writeProblem(w, r, newProblem(http.StatusNotFound, problemNotFound, "No such decision", ""))
		return
	case err != nil:
		writeProblem(w, r, newProblem(http.StatusConflict, problemConflict, "Outcome not accepted", err.Error()))
		return
	}
	label := 0
	if *repaid {
		label = 1
	}
	// The book knows the decision is final and not labelled yet. The
	// fairness monitor may have forgotten it: its pending set is bounded
	// and loan outcomes come months later. It then counts the label as
	// unmatched, and the outcome still counts for the error rate.
	if err := s.fair.ObserveLabelContext(r.Context(), id, label); err != nil && !errors.Is(err, fairness.ErrUnknownDecision) {
		s.book.unlabel(id)
		writeProblem(w, r, newProblem(http.StatusConflict, problemConflict, "Outcome not accepted", err.Error()))
		return
	}
	if _, err := s.drift.ObserveOutcomeContext(r.Context(), granted != *repaid); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *service) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err == nil {
		body, err = s.disc.AttachJSON(r.Context(), body)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handleReport records an applicant's "report a problem" with a decision
// (ISO/IEC 42001 A.3.3; EU AI Act Art. 73 starts with such reports): it
// opens an incident of source user_report linked to the decision. It needs
// the decision's contest credential. The applicant's own words stay out of
// the ledger (they may hold personal data; a real service hands them to its
// complaints team); the incident says that a report was made and about
// which decision. A second report of the same decision while its incident
// is open adds nothing, so one applicant cannot flood the incident book.
func (s *service) handleReport(w http.ResponseWriter, r *http.Request) {
	id, _, ok := s.applicantRequest(w, r, "report", "problem")
	if !ok {
		return
	}
	aims.MarkAIOutput(r.Context(), false) // an acknowledgement, not an AI output
	status := http.StatusAccepted
	s.reportMu.Lock() // one incident per decision, also for concurrent reports
	defer s.reportMu.Unlock()
	in, found, open := s.openReport(id)
	if !found && open >= maxOpenReports {
		// Applicants' reports must not crowd out the incidents that
		// credit officers and the monitors open: the book's own reserve
		// keeps room for alarms, this keeps room for people.
		w.Header().Set("Retry-After", "3600")
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, problemUnavailable, "Too many open problem reports",
			fmt.Sprintf("%d reports are open; the complaints team will take yours when some are closed", open)))
		return
	}
	if !found {
		var err error
		in, err = s.incidents.Open(r.Context(), aims.IncidentReport{
			Title:       "Applicant reported a problem with decision " + id,
			Description: "Reported through the decision's credential; the applicant's text went to the complaints team.",
			Severity:    aims.SeverityMedium, Source: aims.SourceUserReport, By: "applicant",
			Owner: "Complaints team", Decisions: []string{id}, Risks: []string{"R-01"},
		})
		if err != nil {
			detail := "try again later"
			if errors.Is(err, aims.ErrTooManyIncidents) {
				detail = "too many incidents are open; try again later"
			} else {
				log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
			}
			writeProblem(w, r, newProblem(http.StatusServiceUnavailable, problemUnavailable, "The report could not be recorded", detail))
			return
		}
		status = http.StatusCreated
	}
	body, _ := json.Marshal(map[string]string{"incident_id": in.ID, "status": "reported"})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// maxOpenReports bounds the problem reports that may be open at once.
const maxOpenReports = 200

// openReport returns the incident an earlier report of decision id opened,
// if it is not closed, and how many reports are open.
func (s *service) openReport(id string) (in aims.Incident, found bool, open int) {
	reports := s.incidents.List(aims.IncidentFilter{Source: aims.SourceUserReport,
		States: []aims.IncidentState{aims.IncidentOpen, aims.IncidentInvestigating, aims.IncidentCorrectiveAction, aims.IncidentVerified}})
	for _, r := range reports {
		if slices.Contains(r.Decisions, id) {
			return r, true, len(reports)
		}
	}
	return aims.Incident{}, false, len(reports)
}
