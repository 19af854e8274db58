// Command chatassistant is an example customer-support chat service whose
// generative AI runs under aimskit, with a tiny deterministic model (no
// network):
//
//   - every model call is an OpenTelemetry GenAI client span with token
//     usage, and the gen_ai.client.* metrics;
//   - input guardrails block prompt injection and redact personal data
//     before the model sees it; output guardrails block insults, redact
//     personal data, and hold answers that are not grounded in the FAQ
//     passage for a human reviewer in the oversight gate (console at
//     /review/; reviewers read a held answer at /review/held/{ticket},
//     which the ledger and the telemetry keep only a digest of);
//   - every turn is an interaction record in a signed, tamper-evident
//     ledger, with digests and lengths of the texts, never the texts;
//   - the person sees the interaction notice once, on a conversation's
//     first turn; generated text is marked in the AI-Disclosure header
//     and the ai_disclosure JSON member, never in the visible reply;
//   - ratings and problem reports are recorded; a report of a false or
//     harmful answer opens an incident; evaluation results are recorded
//     and a drift monitor watches them with the refusal rate and token
//     usage;
//   - telemetry goes to a collector when OTEL_EXPORTER_OTLP_ENDPOINT is
//     set, otherwise to local OTLP/JSON files.
//
// Usage:
//
//	go run ./examples/chatassistant                # serve on 127.0.0.1:8081
//	go run ./examples/chatassistant -simulate 24   # drive 24 turns, then exit
//	curl -si -XPOST 127.0.0.1:8081/v1/chat -d '{"conversation_id":"c1","message":"What are your opening hours?"}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chatassistant:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("chatassistant", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	dataDir := fs.String("data", "chatassistant-data", "folder for the ledger and local telemetry (the signing key goes to <data>-keys)")
	n := fs.Int("simulate", 0, "drive this many simulated turns through the service, then exit (8 or more go through every case: delivered, redacted, blocked, held)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := newService(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, s.Close(cctx))
	}()
	verify := fmt.Sprintf("go run ./aims/cmd/aimsaudit verify %s --key %s --checkpoints %s", s.ledgerDir,
		filepath.Join(*dataDir+"-keys", "ledger.pub"), filepath.Join(*dataDir, "telemetry", "logs.jsonl"))
	if *n > 0 {
		if _, err := simulate(ctx, s, *n, stdout); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "telemetry: %s\nverify the ledger: %s\n", s.tel.where, verify)
		return nil
	}
	srv := &http.Server{Addr: *addr, Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "chatassistant: serving on http://%s (telemetry: %s)\n  curl -si -XPOST http://%s/v1/chat -d '{\"conversation_id\":\"c1\",\"message\":\"What are your opening hours?\"}'\n  reviewer console: http://%s/review/ (Authorization: Bearer %s for ana, %s for ben)\n  verify the ledger (after stopping): %s\n",
		*addr, s.tel.where, *addr, *addr, s.reviewerTokens["ana"], s.reviewerTokens["ben"], verify)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
