package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/oversight"
)

// The personal data the simulation's customers type, in every form it is
// typed; none of it may appear in any file the service leaves.
var planted = []string{
	"jo.customer@example.com", "4111 1111 1111 1111", "4111111111111111", "+49 30 1234567", "1234567",
	"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "complaints.team@bank.example", "7946 0958",
}

func TestSimulationLeavesEvidenceAndNoPersonalData(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	s, err := newService(ctx, data)
	require.NoError(t, err)
	var out bytes.Buffer
	tally, err := simulate(ctx, s, 24, &out)
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))

	// Every kind of turn happened, and the follow-ups.
	assert.Equal(t, 24, tally.Turns)
	assert.Equal(t, 8, tally.Notices, "one notice per conversation")
	for _, o := range []genai.Outcome{genai.OutcomeDelivered, genai.OutcomeRedacted, genai.OutcomeBlocked, genai.OutcomeHeld} {
		assert.Positive(t, tally.Outcomes[string(o)], "no %s turn", o)
	}
	assert.Positive(t, tally.Approved, "no held response was approved")
	require.Len(t, tally.Incidents, 1)
	assert.NotEmpty(t, tally.Incidents[0], "the report opened no incident")
	assert.Equal(t, 24, tally.Evaluations)
	require.Len(t, tally.Drift.Features, 3, "the drift monitor watches eval scores, refusals and tokens")
	for _, f := range tally.Drift.Features {
		assert.True(t, f.Evaluated, f.Feature)
		assert.False(t, f.Drift, "%s drifts although the simulation runs the validated script", f.Feature)
	}

	// No file the service left holds the planted personal data.
	files := 0
	require.NoError(t, filepath.WalkDir(filepath.Dir(data), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, p := range planted {
			assert.NotContains(t, string(b), p, "%s holds planted personal data", path)
		}
		return nil
	}))
	assert.GreaterOrEqual(t, files, 5, "ledger, keys and the three telemetry files")

	// The telemetry holds GenAI spans with token usage, guardrail events
	// and the token metric.
	traces, err := os.ReadFile(filepath.Join(data, "telemetry", "traces.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(traces), `"gen_ai.usage.output_tokens"`)
	assert.Contains(t, string(traces), `"chat tiny-faq-1"`)
	logs, err := os.ReadFile(filepath.Join(data, "telemetry", "logs.jsonl"))
	require.NoError(t, err)
	for _, ev := range []string{"aims.guardrail.result", "aims.genai.interaction", "aims.genai.feedback", "gen_ai.evaluation.result", "aims.management.incident"} {
		assert.Contains(t, string(logs), `"`+ev+`"`)
	}
	metrics, err := os.ReadFile(filepath.Join(data, "telemetry", "metrics.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(metrics), `"gen_ai.client.token.usage"`)

	// One interaction record per turn, and the ledger verifies (what
	// aimsaudit verify checks).
	interactions, held, genaiRecords := 0, 0, 0
	reviewed := map[string]bool{}
	require.NoError(t, ledger.Scan(filepath.Join(data, "ledger"), func(r ledger.ScannedRecord) error {
		rec, err := genai.ParseRecord(r.Record)
		if err == nil {
			genaiRecords++
		}
		if err == nil && rec.Type == genai.RecordInteraction {
			interactions++
			if rec.Interaction.Outcome == genai.OutcomeHeld {
				held++
			}
			return nil
		}
		var d aims.Decision
		if json.Unmarshal(r.Record, &d) == nil && d.Oversight != nil && d.Oversight.RelatedDecisionID != "" {
			reviewed[d.Oversight.RelatedDecisionID] = true
		}
		return nil
	}))
	assert.Equal(t, 24, interactions)
	assert.Equal(t, tally.Outcomes["held"], held)
	assert.Len(t, reviewed, tally.Approved+tally.Rejected, "every held response's review is in the ledger")
	vkey, err := os.ReadFile(filepath.Join(data+"-keys", "ledger.pub"))
	require.NoError(t, err)
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	require.NoError(t, err)
	_, err = ledger.Verify(filepath.Join(data, "ledger"), []note.Verifier{v}, ledger.VerifyOptions{})
	require.NoError(t, err)
	// The auditor's command agrees, with the checkpoints the telemetry
	// carried out of the host.
	audit := filepath.Join(t.TempDir(), "aimsaudit")
	res, err := exec.Command("go", "build", "-o", audit, "github.com/aimskit/aimskit/aims/cmd/aimsaudit").CombinedOutput()
	require.NoError(t, err, "building aimsaudit: %s", res)
	res, err = exec.Command(audit, "verify", filepath.Join(data, "ledger"), "--key", strings.TrimSpace(string(vkey)),
		"--checkpoints", filepath.Join(data, "telemetry", "logs.jsonl")).CombinedOutput()
	require.NoError(t, err, "aimsaudit verify: %s", res)
	assert.Contains(t, string(res), "consistent with")

	// The audit report's GenAI section counts what the simulation did.
	in, err := auditreport.Load(ctx, auditreport.LoadOptions{LedgerDir: filepath.Join(data, "ledger"),
		OTelDir: filepath.Join(data, "telemetry"), Key: string(vkey)})
	require.NoError(t, err)
	rep, err := auditreport.Build(in)
	require.NoError(t, err)
	require.Len(t, in.Instances, 1)
	assert.Equal(t, genaiRecords, len(in.GenAI))
	assert.Equal(t, genaiRecords, in.Instances[0].GenAI)
	require.Len(t, rep.Instances.Rows, 1)
	assert.Equal(t, genaiRecords, rep.Instances.Rows[0].GenAI, "the per-instance row counts the ledger's GenAI records")
	assert.Equal(t, genaiRecords, rep.Instances.Total.GenAI)
	g := rep.GenAI
	require.True(t, g.Available, g.Note)
	assert.Equal(t, 24, g.Interactions)
	assert.Equal(t, 8, g.Conversations)
	assert.Equal(t, 8, g.Notices)
	for _, c := range g.Outcomes {
		assert.Equal(t, tally.Outcomes[c.Label], c.N, c.Label)
	}
	assert.Equal(t, tally.Outcomes["held"], g.Held)
	assert.Equal(t, tally.Approved, g.Approved)
	assert.Equal(t, tally.Rejected, g.Rejected)
	assert.Equal(t, tally.Incidents, g.ReportIncidents)
	assert.Positive(t, g.OutputTokens)
	require.Len(t, g.Evaluations, 1)
	assert.Equal(t, 24, g.Evaluations[0].N)
	var md bytes.Buffer
	require.NoError(t, rep.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "## 13. Generative AI")
}

func TestRepliesCarryNoDisclosureTextAndTheNoticeOnce(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	srv := httptest.NewServer(s.routes())
	defer srv.Close()
	post := func(conv, msg string) (chatResponse, http.Header) {
		t.Helper()
		body, _ := json.Marshal(chatRequest{ConversationID: conv, Message: msg})
		resp, err := http.Post(srv.URL+"/v1/chat", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		raw := new(bytes.Buffer)
		_, _ = raw.ReadFrom(resp.Body)
		var out chatResponse
		require.NoError(t, json.Unmarshal(raw.Bytes(), &out))
		var meta map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw.Bytes(), &meta))
		if out.Status == "delivered" || out.Status == "redacted" {
			assert.Contains(t, meta, aims.JSONKey, "generated replies carry the JSON marking")
		} else {
			assert.NotContains(t, meta, aims.JSONKey, "a refusal is not generated content")
		}
		return out, resp.Header
	}
	notices := map[string]int{}
	for _, conv := range []string{"a", "b"} {
		for _, msg := range script[:4] {
			out, hdr := post(conv, msg)
			if out.Notice != "" {
				notices[conv]++
			}
			assert.NotContains(t, out.Reply, "AI-Disclosure", "the machine marking is never in the visible text")
			_, marked := aims.TextMark(out.Reply)
			assert.False(t, marked)
			if out.Status == "delivered" {
				d, err := aims.ParseDisclosureHeader(hdr.Get(aims.DisclosureHeader))
				require.NoError(t, err)
				assert.Equal(t, aims.DisclosureGeneratedContent, d.Kind)
			}
		}
	}
	assert.Equal(t, map[string]int{"a": 1, "b": 1}, notices)

	// Bad input is refused clearly.
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"message":"hi"}`, http.StatusBadRequest},
		{`{"conversation_id":"c","message":"` + strings.Repeat("a", 17<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{`{"conversation_id":"c","message":"\udc00"}`, http.StatusOK}, // JSON decoding makes a lone surrogate U+FFFD: valid UTF-8
		{`not json`, http.StatusBadRequest},
	} {
		resp, err := http.Post(srv.URL+"/v1/chat", "application/json", strings.NewReader(tc.body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, tc.body[:min(len(tc.body), 40)])
	}
}

// The drift monitor of the simulation watches evaluation scores, refusals
// and token usage: a model that answers without grounds, refuses
// everything and rambles moves all three.
func TestDriftMonitorCatchesDegradedAnswers(t *testing.T) {
	m, err := evalMonitor()
	require.NoError(t, err)
	defer m.Close(context.Background())
	for range 24 {
		require.NoError(t, m.Observe(map[string]float64{"eval_score": 0.1, "refusal": 1, "output_tokens": 60}, nil))
	}
	rep, err := m.Evaluate(context.Background())
	require.NoError(t, err)
	drifting := map[string]bool{}
	for _, f := range rep.Features {
		require.True(t, f.Evaluated, f.Feature)
		drifting[f.Feature] = f.Drift
	}
	assert.Equal(t, map[string]bool{"eval_score": true, "refusal": true, "output_tokens": true}, drifting)
}

// postChat sends one chat turn to srv and returns the reply.
func postChat(t *testing.T, srv *httptest.Server, conv, msg string) chatResponse {
	t.Helper()
	body, _ := json.Marshal(chatRequest{ConversationID: conv, Message: msg})
	resp, err := http.Post(srv.URL+"/v1/chat", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out chatResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// A held response is delivered only when the reviewers' outcome is
// applied and its output is still genai.HeldOutput (the proposal to
// deliver). An override to the reject output ("withhold") is applied
// too, and is a decision that the answer must not be shown: the person
// gets the withheld text, without the generated-content disclosure. An
// approval of another held answer still delivers it, marked.
func TestHeldResponseOverriddenToWithholdIsNotDelivered(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	srv := httptest.NewServer(s.routes())
	defer srv.Close()
	reviewer := oversight.Reviewer{ID: "ana", Roles: []string{"reviewer"}}
	fetch := func(responseID string) (chatResponse, http.Header) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/v1/responses/" + responseID)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var got chatResponse
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		return got, resp.Header
	}

	held := postChat(t, srv, "conv-1", "What interest rate do I get on a loan?")
	require.Equal(t, string(genai.OutcomeHeld), held.Status)
	require.NotEmpty(t, held.TicketID)
	out, err := s.gate.Override(ctx, held.TicketID, reviewer, rejectOutput, "wrong: rates depend on a credit check")
	require.NoError(t, err)
	require.True(t, out.Applied, "an override is applied: its output is the reviewers'")

	got, hdr := fetch(held.ResponseID)
	assert.NotContains(t, got.Reply, "0.5% interest", "the reviewer withheld this answer, yet the person gets it")
	assert.Equal(t, withheldText, got.Reply)
	assert.Empty(t, hdr.Get(aims.DisclosureHeader), "the withheld text is not generated content")

	approved := postChat(t, srv, "conv-2", "What interest rate do I get on a loan?")
	require.Equal(t, string(genai.OutcomeHeld), approved.Status)
	_, err = s.gate.Approve(ctx, approved.TicketID, reviewer, "checked")
	require.NoError(t, err)
	got, hdr = fetch(approved.ResponseID)
	assert.Contains(t, got.Reply, "0.5% interest", "an approved answer is delivered")
	assert.NotEmpty(t, hdr.Get(aims.DisclosureHeader), "and marked as generated content")
}

// The interaction record's turn number is evidence of where in the
// conversation a turn was. The service trims the history it keeps after
// maxHistory/2 turns, so it numbers the turns itself (genai.Turn.Number):
// the recorded numbers go on counting, 1, 2, 3, … past the bound.
func TestInteractionRecordsCountTurnsPastTheHistoryBound(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	srv := httptest.NewServer(s.routes())
	const turns = maxHistory/2 + 3
	for range turns {
		postChat(t, srv, "long", "What are your opening hours?")
	}
	srv.Close()
	require.NoError(t, s.Close(ctx))
	require.Len(t, s.convs.history("long"), maxHistory, "the history was trimmed")

	var got []int
	require.NoError(t, ledger.Scan(s.ledgerDir, func(sr ledger.ScannedRecord) error {
		rec, err := genai.ParseRecord(sr.Record)
		if errors.Is(err, genai.ErrNotGenAIRecord) {
			return nil
		}
		require.NoError(t, err)
		if rec.Interaction != nil {
			got = append(got, rec.Interaction.Turn)
		}
		return nil
	}))
	want := make([]int, turns)
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got))
}

// recordingModel remembers every request it gets.
type recordingModel struct {
	mu   sync.Mutex
	reqs []genai.Request
}

func (m *recordingModel) Generate(ctx context.Context, req genai.Request) (genai.Response, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	return tinyModel{}.Generate(ctx, req)
}

// Input guardrails redact personal data and block prompt injections
// before the model sees them, and the conversation history must not undo
// that on later turns: the service keeps each turn as the model saw it
// (genai.TurnResult.Messages), so neither the redacted e-mail address,
// card number and phone number nor the blocked injection ever reach the
// model.
func TestBlockedAndRedactedInputDoNotReachTheModelThroughHistory(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	// The service's assistant with the same input guardrails, on a model
	// that records what it is sent.
	m := &recordingModel{}
	client, err := genai.NewClient(m, providerName)
	require.NoError(t, err)
	s.asst, err = genai.New(s.reg.System, client, modelName, systemPrompt,
		genai.WithGuardrail(genai.PromptInjection(), genai.StageInput, genai.ActionBlock),
		genai.WithGuardrail(genai.PersonalData(), genai.StageInput, genai.ActionRedact))
	require.NoError(t, err)
	srv := httptest.NewServer(s.routes())
	defer srv.Close()

	assert.Equal(t, "redacted", postChat(t, srv, "c", script[2]).Status) // card, e-mail, phone
	assert.Equal(t, "blocked", postChat(t, srv, "c", script[3]).Status)  // prompt injection
	postChat(t, srv, "c", "What are your opening hours?")

	m.mu.Lock()
	defer m.mu.Unlock()
	var seen strings.Builder
	for _, req := range m.reqs {
		for _, msg := range req.Messages {
			seen.WriteString(msg.Content + "\n")
		}
	}
	assert.NotContains(t, seen.String(), "jo.customer@example.com", "redacted personal data reached the model")
	assert.NotContains(t, seen.String(), "4111 1111 1111 1111", "redacted card number reached the model")
	assert.NotContains(t, seen.String(), "Ignore previous instructions", "a blocked injection reached the model")
	assert.NotContains(t, seen.String(), "+49 30 1234567", "a redacted phone number reached the model")
	assert.Contains(t, seen.String(), "[CARD]", "the redacted message is in the history")
}

// One client that keeps asking a question whose answer is held cannot
// evict another person's held answer, nor fill the reviewers' queue: its
// conversation may have maxHeldPerConversation answers waiting, the
// client maxHeldPerClient over all its conversations, and beyond that its
// turns are blocked (recorded as such, with the refused hold as a
// fallback) and told why. The other person's answer, once approved, is
// delivered.
func TestOneClientCannotEvictAnotherPersonsHeldResponse(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	turn := func(conv, client string) chatResponse {
		t.Helper()
		body, _ := json.Marshal(chatRequest{ConversationID: conv, Message: "What interest rate do I get on a loan?"})
		req := httptest.NewRequest("POST", "/v1/chat", bytes.NewReader(body))
		req.RemoteAddr = client + ":40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		var out chatResponse
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
		return out
	}
	const attacker = "198.51.100.9"
	victim := turn("victim", "192.0.2.1")
	require.Equal(t, string(genai.OutcomeHeld), victim.Status)

	for i := range maxHeldPerConversation + 2 {
		out := turn("attacker", attacker)
		if i < maxHeldPerConversation {
			assert.Equal(t, string(genai.OutcomeHeld), out.Status)
			continue
		}
		assert.Equal(t, string(genai.OutcomeBlocked), out.Status, "a hold beyond the conversation's bound")
		assert.Equal(t, tooManyHeldText, out.Reply)
		assert.Empty(t, out.TicketID)
	}
	for i := range maxHeldPerClient {
		turn(fmt.Sprint("attacker-", i), attacker) // one client, many conversations
	}
	tickets, err := s.gate.Queue(ctx, 0)
	require.NoError(t, err)
	assert.Len(t, tickets, 1+maxHeldPerClient, "the victim's ticket and the client's bound, no more")

	_, err = s.gate.Approve(ctx, victim.TicketID, oversight.Reviewer{ID: "ana", Roles: []string{"reviewer"}}, "checked")
	require.NoError(t, err)
	held, ok := s.convs.heldResponse(victim.ResponseID)
	require.True(t, ok)
	assert.False(t, held.open, "the gate's callback closed the hold: it no longer counts against the bounds")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/responses/"+victim.ResponseID, nil))
	require.Equal(t, http.StatusOK, rec.Code, "the victim's approved answer was evicted by another client's turns")
	var got chatResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Contains(t, got.Reply, "0.5% interest")

	// The refused holds are in the records: blocked, with the fallback.
	require.NoError(t, s.Close(ctx))
	refused := 0
	require.NoError(t, ledger.Scan(s.ledgerDir, func(sr ledger.ScannedRecord) error {
		rec, err := genai.ParseRecord(sr.Record)
		if err != nil || rec.Interaction == nil || rec.Interaction.Outcome != genai.OutcomeBlocked {
			return nil
		}
		for _, f := range rec.Interaction.Fallbacks {
			if strings.Contains(f, "holdLimitError") {
				refused++
			}
		}
		return nil
	}))
	// Two in the attacker's first conversation; and its other
	// conversations found maxHeldPerConversation of the client's places
	// taken by the first.
	assert.Equal(t, 2+maxHeldPerConversation, refused)
}
