package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/aimskit/aimskit/aims"
)

// incidentStep is one call of the incident API: a path below the incident
// and its JSON body.
type incidentStep struct {
	path string
	body any
}

// incidentWork is how the simulated model-risk validator handles the
// incidents the run opened, through the service's incident API with her
// reviewer login: each drift incident gets an owner, the decisions of the
// drift episode, the risk it realises (R-02, income drift), and goes
// through investigation, a corrective action (the change-controlled
// recalibration) and its verification to closed; the halt incident is
// closed the same way. Incidents of other sources stay as they are (the
// fairness alarm stays open for the credit-risk team). It returns the
// incidents it closed, by source.
func incidentWork(ctx context.Context, svc *service, client *http.Client, base string, episode []string) (map[aims.IncidentSource]int, error) {
	const user = "carol"
	call := func(method, path string, in, out any) error {
		var body []byte
		if in != nil {
			var err error
			if body, err = json.Marshal(in); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, base+"/incidents"+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.SetBasicAuth(user, svc.accounts.passwords[user])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var raw bytes.Buffer
		if _, err := raw.ReadFrom(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(raw.Bytes()))
		}
		if out != nil {
			return json.Unmarshal(raw.Bytes(), out)
		}
		return nil
	}
	closed := map[aims.IncidentSource]int{}
	for _, src := range []aims.IncidentSource{aims.SourceDriftAlarm, aims.SourceHalt} {
		var list struct {
			Incidents []aims.Incident `json:"incidents"`
		}
		if err := call(http.MethodGet, "?source="+url.QueryEscape(string(src))+"&state=open", nil, &list); err != nil {
			return closed, err
		}
		for _, in := range list.Incidents {
			p := "/" + url.PathEscape(in.ID)
			steps := []incidentStep{
				{"/owner", map[string]string{"owner": "Model risk validator"}},
				{"/update", map[string]string{"to": "investigating", "note": "triaged from the " + string(src) + " alarm"}},
			}
			switch src {
			case aims.SourceDriftAlarm:
				steps = append(steps,
					incidentStep{"/decisions", map[string]any{"decisions": episode}},
					incidentStep{"/risks", map[string]any{"risks": []string{"R-02"}}},
					incidentStep{"/update", map[string]string{"to": "corrective_action",
						"root_cause":        "Applicant incomes fell across the population (economic shift); the model's refusals rose with them.",
						"corrective_action": "Decisions of the episode re-reviewed by credit officers; intercept recalibrated under change CH-credit-scoring-0001."}},
					incidentStep{"/update", map[string]string{"to": "verified",
						"verification": "Approval rate and four-fifths ratio on the recent window back within the validated range."}},
				)
			case aims.SourceHalt:
				steps = append(steps,
					incidentStep{"/update", map[string]string{"to": "corrective_action",
						"root_cause":        "Data feed check requested by the operator; the feed was intact.",
						"corrective_action": "Feed verified before resuming; feed health added to the start-up checks."}},
					incidentStep{"/update", map[string]string{"to": "verified", "verification": "Decisions after the resume match the feed's records."}},
				)
			}
			steps = append(steps, incidentStep{"/update", map[string]string{"to": "closed", "note": "corrective action verified"}})
			for _, s := range steps {
				if err := call(http.MethodPost, p+s.path, s.body, nil); err != nil {
					return closed, fmt.Errorf("incident %s: %w", in.ID, err)
				}
			}
			closed[src]++
		}
	}
	return closed, nil
}
