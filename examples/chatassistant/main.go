// Command chatassistant is an example chat endpoint with a fake, local
// language model (no network). It shows EU AI Act Art. 50 transparency with
// aimskit: people are told they are talking to an AI system (Art. 50(1)),
// and generated text is marked in a machine-readable way (Art. 50(2)) — in
// the AI-Disclosure response header, in the JSON body, and in the text
// itself — with the OpenTelemetry GenAI attribute keys on every span.
//
//	go run ./examples/chatassistant
//	curl -si -XPOST 127.0.0.1:8081/v1/chat -d '{"conversation_id":"c1","message":"What are your opening hours?"}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app, err := newAssistant(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatassistant:", err)
		os.Exit(1)
	}
	defer func() { _ = app.Close(context.Background()) }()
	srv := &http.Server{Addr: *addr, Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Printf("chatassistant: serving on http://%s\n  curl -si -XPOST http://%s/v1/chat -d '{\"conversation_id\":\"c1\",\"message\":\"What are your opening hours?\"}'\n", *addr, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "chatassistant:", err)
		os.Exit(1)
	}
}
