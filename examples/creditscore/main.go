// Command creditscore is an example loan-decision service that runs its AI
// under aimskit: it trains a model at start-up on synthetic applicants,
// discloses AI on every response, pseudonymises applicants, records every
// decision, and serves its Statement of Applicability.
//
//	go run ./examples/creditscore              # serve on 127.0.0.1:8080
//	go run ./examples/creditscore -simulate 200 # drive 200 requests, then exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "creditscore:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	dataDir := flag.String("data", "creditscore-data", "folder for the decision records")
	simulate := flag.Int("simulate", 0, "drive this many simulated applications against the service, then exit")
	seed := flag.Uint64("seed", 42, "seed for training data and simulation")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	svc, err := newService(ctx, config{dataDir: *dataDir, seed: *seed})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(cctx); err != nil {
			log.Printf("closing: %v", err)
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: svc.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	fmt.Printf("creditscore: serving on %s\n", base)
	fmt.Printf("  decide:       curl -s -XPOST %s/v1/applications -d '{\"customer_id\":\"c1\",\"age\":35,\"income\":42000,\"debt\":9000,\"term_months\":36,\"amount\":12000,\"years_employed\":4,\"late_payments\":1,\"region\":\"north\",\"sex\":\"female\"}'\n", base)
	fmt.Printf("  SoA:          %s/soa\n", base)
	fmt.Printf("  decisions in: %s\n", *dataDir)

	if *simulate > 0 {
		err := simulateTraffic(ctx, base, *simulate, *seed+1)
		shutdown(srv)
		return err
	}
	<-ctx.Done()
	shutdown(srv)
	return nil
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}
