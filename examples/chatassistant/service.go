package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/inventory"
	"github.com/aimskit/aimskit/oversight"
)

const (
	systemID      = "support-chat"
	systemVersion = "0.4.0"
	// rejectOutput is what a reviewer's rejection turns a held response
	// into: it is withheld.
	rejectOutput = "withhold"
)

// service is the chat assistant and the governance around it.
type service struct {
	tel     *telemetry
	reg     *inventory.Registration // the system handle
	asst    *genai.Assistant
	gate    *oversight.Gate
	console *oversight.Console
	// reviewers authenticates the reviewers, for the console and for the
	// text of held responses (heldText).
	reviewers oversight.Authenticator
	incidents *aims.IncidentBook
	// generated marks responses that carry generated text (AI-Disclosure
	// header and JSON metadata); interaction records the notice shown.
	generated, interaction *aims.Discloser
	ledgerDir, verifierKey string
	reviewerTokens         map[string]string // reviewer ID -> console bearer token

	// convs are the recent conversations (they also say whether the
	// notice was given: the assistant's genai.NoticeTracker) and the held
	// responses, bounded.
	convs *conversations
	// reportMu serialises problem reports, so one response opens one
	// incident however often it is reported; it guards reportsBy, the
	// incidents each client's reports opened (see openReportsOf).
	reportMu  sync.Mutex
	reportsBy map[string][]string
}

// holdAll routes every candidate to review: the gate only ever receives
// the responses a guardrail held.
func holdAll(context.Context, oversight.Candidate) oversight.Verdict {
	return oversight.Verdict{Route: oversight.RouteReview, Policy: "genai-hold", Reason: "held by an output guardrail"}
}

func newService(ctx context.Context, dataDir string) (_ *service, err error) {
	s := &service{convs: newConversations(), ledgerDir: filepath.Join(dataDir, "ledger"), reportsBy: map[string][]string{}}
	defer func() {
		if err != nil {
			_ = s.Close(context.Background())
		}
	}()
	if err = os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	if s.tel, err = startTelemetry(ctx, filepath.Join(dataDir, "telemetry"),
		semconv.AimsSystemID.String(systemID), semconv.AimsSystemVersion.String(systemVersion)); err != nil {
		return nil, err
	}
	signer, vkey, err := ledgerKey(dataDir + "-keys")
	if err != nil {
		return nil, err
	}
	s.verifierKey = vkey
	// The ledger's checkpoints leave the host in the telemetry, so an
	// auditor detects a rolled-back or rebuilt ledger (aimsaudit verify
	// --checkpoints).
	led, err := ledger.Open(ctx, s.ledgerDir, systemID, "local", signer, ledger.WithCheckpointEvery(50, 2*time.Second),
		ledger.WithLoggerProvider(s.tel.lp), ledger.WithMeterProvider(s.tel.mp))
	if err != nil {
		return nil, err
	}
	if s.reg, err = inventory.Register(ctx, inventory.System{
		ID: systemID, Name: "Customer support assistant", Version: systemVersion,
		Purpose:         "Answer customers' questions about opening hours, fees and branches.",
		IntendedUse:     "Customer self-service on the website; hands over to staff on request.",
		Owner:           "Customer Service",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleDeployer},
		Models:          []inventory.Model{{Name: modelName, Version: "1", Type: "retrieval FAQ model", Provider: providerName}},
		UseCase:         &inventory.UseCase{Domain: inventory.DomainOther, Function: inventory.FunctionOther, InteractsWithPeople: true, GeneratesContent: true},
		Lifecycle:       inventory.StageDeployed,
	}, inventory.WithRegistry(inventory.NewRegistry()), inventory.WithHeartbeatInterval(0), inventory.WithInstance("local"),
		inventory.WithSystemOptions(aims.WithLedger(led), aims.WithModel(modelName, "1"),
			aims.WithOutcomes(aims.Outcome{Value: genai.HeldOutput}, aims.Outcome{Value: rejectOutput}),
			aims.WithTracerProvider(s.tel.tp), aims.WithMeterProvider(s.tel.mp), aims.WithLoggerProvider(s.tel.lp))); err != nil {
		return nil, errors.Join(err, led.Close(ctx))
	}
	sys := s.reg.System
	if s.gate, err = oversight.New(ctx, sys, oversight.WithPolicy(holdAll), oversight.WithRejectOutput(rejectOutput),
		oversight.WithDeadlines(time.Hour), oversight.WithOnResolved(s.convs.onResolved)); err != nil {
		return nil, err
	}
	s.reviewerTokens = map[string]string{"ana": token(), "ben": token()}
	accounts := map[string]oversight.Reviewer{}
	for id, tok := range s.reviewerTokens {
		accounts[tok] = oversight.Reviewer{ID: id, Roles: []string{"reviewer"}}
	}
	s.reviewers = oversight.BearerTokens(accounts)
	if s.console, err = oversight.NewConsole(s.gate, s.reviewers, oversight.WithBasePath("/review")); err != nil {
		return nil, err
	}
	if s.incidents, err = aims.NewIncidentBook(sys); err != nil {
		return nil, err
	}
	client, err := genai.NewClient(tinyModel{}, providerName, genai.WithTracerProvider(s.tel.tp), genai.WithMeterProvider(s.tel.mp))
	if err != nil {
		return nil, err
	}
	// Keyed digests: a digest of a short message (a card number alone)
	// cannot be confirmed by guessing without this key. A real service
	// loads it from its secret store; here it lives as long as the process.
	digestKey := make([]byte, 32)
	_, _ = rand.Read(digestKey) // never fails (crypto/rand, Go 1.24+)
	if s.asst, err = genai.New(sys, client, modelName, systemPrompt, append(s.assistantOptions(), genai.WithDigestKey(digestKey))...); err != nil {
		return nil, err
	}
	if s.generated, err = s.reg.NewDiscloser(aims.Disclosure{Kind: aims.DisclosureGeneratedContent, Provider: providerName}); err != nil {
		return nil, err
	}
	if s.interaction, err = s.reg.NewDiscloser(aims.Disclosure{Kind: aims.DisclosureInteraction, Provider: providerName,
		Statement: s.asst.Notice()}); err != nil {
		return nil, err
	}
	return s, nil
}

// assistantOptions are the assistant's guardrails, review holds, incident
// book and interaction notice. The conversations decide the notice
// (genai.WithNoticeTracker): a conversation's turns may run at once, and
// finish, fail or be refused in any order, so the turn numbered 1 is not
// necessarily the first answer the person gets.
func (s *service) assistantOptions() []genai.Option {
	return []genai.Option{
		genai.WithGuardrail(genai.PromptInjection(), genai.StageInput, genai.ActionBlock),
		genai.WithGuardrail(genai.PersonalData(), genai.StageInput, genai.ActionRedact),
		genai.WithGuardrail(genai.DenyList("toxicity", "idiot", "stupid", "moron"), genai.StageOutput, genai.ActionBlock),
		genai.WithGuardrail(genai.PersonalData(), genai.StageOutput, genai.ActionRedact),
		genai.WithGuardrail(genai.Grounded(0.5), genai.StageOutput, genai.ActionHold),
		genai.WithHolder(gateHolder{s.gate, s.convs}), genai.WithIncidentBook(s.incidents),
		genai.WithNotice("You are chatting with an AI assistant, not a person. Its answers can be wrong; ask for a member of staff at any time."),
		genai.WithNoticeTracker(s.convs),
	}
}

// Close stops the gate and the incident book, closes the system (which
// makes the ledger durable and signs its last checkpoint) and flushes the
// telemetry.
func (s *service) Close(ctx context.Context) error {
	var errs []error
	if s.gate != nil {
		errs = append(errs, s.gate.Close(ctx))
	}
	if s.incidents != nil {
		errs = append(errs, s.incidents.Close(ctx))
	}
	if s.reg != nil {
		errs = append(errs, s.reg.Close(ctx))
	}
	if s.tel != nil {
		errs = append(errs, s.tel.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// ledgerKey loads the ledger's signing key from dir, or makes one there
// (private key mode 0600). The public verifier key is written beside it
// for the auditor's command line of this example; a real service
// publishes it in its inventory record and Statement of Applicability.
//
// The verifier key is derived from the signing key, never read back, and
// the signing key file appears whole or not at all (written to a
// temporary file, fsynced, then linked into place): a first start that
// dies between the two files, or in the middle of the first, leaves a
// folder the next start uses, not one it can never start from.
func ledgerKey(dir string) (signer note.Signer, vkey string, err error) {
	skeyPath, vkeyPath := filepath.Join(dir, "ledger.key"), filepath.Join(dir, "ledger.pub")
	if _, err := os.Stat(skeyPath); errors.Is(err, os.ErrNotExist) {
		skey, _, err := ledger.GenerateKey(systemID + "-ledger")
		if err != nil {
			return nil, "", err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", err
		}
		if err := ledger.CreateKeyFile(skeyPath, skey, 0o600); err != nil {
			return nil, "", err
		}
	}
	sg, err := ledger.LoadSigner(skeyPath)
	if err != nil {
		return nil, "", err
	}
	cs, ok := sg.(*ledger.CryptoSigner)
	if !ok {
		return nil, "", fmt.Errorf("ledger signer %T does not tell its verifier key", sg)
	}
	vk := cs.VerifierKey()
	if cur, err := os.ReadFile(vkeyPath); err != nil || strings.TrimSpace(string(cur)) != vk {
		if err := writeWhole(vkeyPath, []byte(vk+"\n"), 0o644); err != nil {
			return nil, "", err
		}
	}
	return sg, vk, nil
}

// writeWhole replaces path with data through a temporary file, so the
// file is never seen in part.
func writeWhole(path string, data []byte, mode os.FileMode) error {
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new fsynced temporary file next to path with
// the given mode and returns its name.
func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes the directory entries of dir durable (on Windows, NTFS
// journals them itself and directories cannot be opened for it).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
