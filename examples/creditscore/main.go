// Command creditscore is an example loan-decision service that runs its AI
// under aimskit, on embedded defaults (no collector, no database needed):
//
//   - it registers itself in the AI-system inventory (high-risk: EU AI Act
//     Annex III 5(b), creditworthiness) and sends heartbeats;
//   - it takes strict input only (unknown fields, trailing data and
//     implausible values are refused with an RFC 9457 problem listing every
//     field), and refers applications outside its intended use (amounts
//     above EUR 30,000, other terms, applicants under 21) to a person;
//   - it discloses AI on every response that carries an AI output
//     (AI-Disclosure header and body), never on errors;
//   - it explains every adverse decision with reason codes and a
//     counterfactual ("approved if income ≥ …");
//   - it routes low-confidence and adverse decisions through an oversight
//     gate to human reviewers (console: HTTP Basic login, failed logins
//     rate-limited per client and user);
//   - applicants look up and contest their decision by its ID with the
//     contest credential of their decision response; loan outcomes
//     (labels) are reported with the service credential;
//   - it records every decision in a signed, tamper-evident ledger;
//   - it runs fairness (by sex and region, on final outcomes after review)
//     and drift monitors, whose alarms open incidents;
//   - it is deployed under its management-system records, kept beside its
//     code: an impact assessment, a two-person deployment authorisation,
//     the approved change of its model and a risk register; incidents
//     (from alarms, halts, changed contests and applicants' problem
//     reports) are handled through /incidents/ to closure with a
//     corrective action;
//   - all of it goes out as OpenTelemetry, one trace per request, to a collector when
//     OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise to local OTLP/JSON files.
//
// Usage:
//
//	go run ./examples/creditscore               # serve on 127.0.0.1:8080 until Ctrl-C
//	go run ./examples/creditscore -simulate 600 # drive realistic traffic, then exit
//
// As one replica of a fleet (see the README's "Many replicas, one
// system"), every replica with its own -instance and -data:
//
//	CREDITSCORE_CONTEST_KEY=... go run ./examples/creditscore -oversight-postgres DSN -instance replica-1
//	go run ./examples/creditscore -fleet-view COLLECTOR_OUTPUT_DIR # the fleet's fairness and drift
//
// The ledger's private signing key never sits in the ledger folder: it is
// read from AIMS_LEDGER_SIGNING_KEY when that is set, or from the file
// given by -key, by default creditscore-keys/ledger.key beside the data
// folder (created, mode 0600, on first start). No public key file is
// written beside the ledger either: the public verifier key is published
// in the inventory registration (ledgerVerifierKeys) and in the Statement
// of Applicability (evidence of A.6.2.8), and the start-up banner prints
// the aimsaudit command that verifies the ledger with it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "creditscore:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	_, err := runService(ctx, args, stdout, nil)
	return err
}

// runService is run; with -simulate it returns the simulator's tally of
// what it did. ready, when set, is called with the service once it serves
// (tests use it).
func runService(ctx context.Context, args []string, stdout io.Writer, ready func(*service)) (*Tally, error) {
	fs := flag.NewFlagSet("creditscore", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	dataDir := fs.String("data", "creditscore-data", "folder for the ledger, the review queue and local telemetry")
	keyFile := fs.String("key", "", "file with the ledger's private signing key, created on first start (default: $"+ledger.DefaultKeyEnv+" if set, else creditscore-keys/ledger.key beside the data folder)")
	simulate := fs.Int("simulate", 0, "drive this many simulated applications against the service, then exit")
	seed := fs.Uint64("seed", 42, "seed for training data and simulation")
	instance := fs.String("instance", "", "instance ID of this replica (default: host name)")
	serviceToken := fs.String("service-token", os.Getenv(ServiceTokenEnv), "bearer token of the systems that report loan outcomes (default: $"+ServiceTokenEnv+"; made up at start and printed when empty)")
	oversightDSN := fs.String("oversight-postgres", os.Getenv(OversightDSNEnv), "PostgreSQL DSN of the review queue shared by the replicas of a fleet (default: $"+OversightDSNEnv+"; empty: the embedded store, one replica); needs $"+ContestKeyEnv)
	driftWindow := fs.Int("drift-window", 300, "values per feature in the drift monitor's window")
	fleetDir := fs.String("fleet-view", "", "print the fleet's fairness and drift from this Collector output folder (metrics.jsonl, logs.jsonl of the replicas run with -oversight-postgres), then exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *fleetDir != "" {
		v, err := readFleetView(ctx, *fleetDir, *seed)
		if err != nil {
			return nil, err
		}
		v.print(stdout)
		return nil, nil
	}
	contestKey, err := contestKeyFromEnv(*oversightDSN != "")
	if err != nil {
		return nil, err
	}
	if *instance == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "local"
		}
		*instance = sanitizeInstance(h)
	}
	cfg := config{
		dataDir: *dataDir, keyFile: *keyFile, seed: *seed, instance: *instance,
		heartbeat: 30 * time.Second, driftInterval: 10 * time.Second, incidentCheck: time.Minute,
		metricInterval: 5 * time.Second, reviewDeadline: 10 * time.Minute,
		serviceToken: *serviceToken, oversightDSN: *oversightDSN, contestKey: contestKey, driftWindow: *driftWindow,
	}
	if *simulate > 0 {
		// Compress time so that a short run shows heartbeats, drift evaluations and metric exports.
		cfg.heartbeat, cfg.driftInterval, cfg.metricInterval = time.Second, 500*time.Millisecond, time.Second
	}
	svc, err := newService(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = svc.Close(context.Background())
		return nil, err
	}
	srv := &http.Server{Handler: svc.routes(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + ln.Addr().String()
	abs, _ := filepath.Abs(*dataDir)
	ledgerDir := filepath.Join(abs, "ledger")
	fmt.Fprintf(stdout, `creditscore: serving on %s  (system %s, risk tier %s, instance %s)
  apply for a loan:  curl -si -XPOST %s/v1/applications -d '{"customer_id":"c1","age":35,"income":42000,"debt":9000,"term_months":36,"amount":12000,"years_employed":4,"late_payments":1,"region":"north","sex":"female"}'
  look up, contest:  curl -si -H 'Authorization: Bearer CONTEST_TOKEN' %s/v1/decisions/DECISION_ID[/contest -d '{"grounds":"..."}']
                     (decision_id and contest_token are in the decision response;
                     /report -d '{"problem":"..."}' reports a problem: an incident)
  report outcomes:   curl -si -H 'Authorization: Bearer %s' %s/v1/decisions/DECISION_ID/outcome -d '{"repaid":true}'
                     (the service credential%s)
  review queue:      %s
  reviewer console:  %s/review/  (log in as %s)
  incidents:         %s/incidents (JSON API, same logins), %s/incidents/console/
  inventory:         %s/inventory/systems
  statement of applicability: %s/soa
  decision ledger:   %s
  signing key:       %s (private; kept outside the ledger folder)
  telemetry:         %s
  ledger public key: %s
                     published in the inventory record (%s/inventory/systems/%s, ledgerVerifierKeys)
                     and in the statement of applicability (%s/soa, evidence of A.6.2.8);
                     auditors take it from there, never from a file beside the ledger
  audit the ledger:  go run ./aims/cmd/aimsaudit verify -key '%s' -checkpoints %s %s
                     (-checkpoints: the ledger's checkpoints as the telemetry received them, kept outside its folder)
`, base, systemID, svc.reg.RiskLevel(), *instance, base, base, svc.creds.serviceToken, base, tokenOrigin(svc.creds),
		storeKind(svc.cfg), base, svc.accounts.logins(), base, base, base, base,
		ledgerDir, svc.ledgerKey.source, svc.tel.Endpoint, svc.ledgerKey.vkey, base, systemID, base,
		svc.ledgerKey.vkey, svc.tel.checkpointsHint(filepath.Join(abs, "telemetry")), shellQuote(ledgerDir))

	if ready != nil {
		ready(svc)
	}
	var (
		runErr error
		tally  *Tally
	)
	if *simulate > 0 {
		tally, runErr = simulateTraffic(ctx, svc, base, *simulate, *seed+1, stdout)
	} else {
		select {
		case <-ctx.Done():
		case err := <-served:
			runErr = err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Printf("http shutdown: %v", err)
	}
	if err := svc.Close(sctx); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return tally, runErr
}

// storeKind says where the review queue lives, for the banner.
func storeKind(cfg config) string {
	if cfg.oversightDSN != "" {
		return "PostgreSQL, shared by the fleet's replicas (halts, reviews and contests act on all of them)"
	}
	return "embedded (" + filepath.Join(cfg.dataDir, "oversight.db") + "), this replica only"
}

func tokenOrigin(c *credentials) string {
	if c.generated {
		return "; made up at start, set $" + ServiceTokenEnv + " or -service-token to choose it"
	}
	return " from -service-token or $" + ServiceTokenEnv
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:+=@.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:+=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func sanitizeInstance(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}
