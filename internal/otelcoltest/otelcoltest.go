// Package otelcoltest starts the real OpenTelemetry Collector that
// .ci/collector.sh builds, for tests that check what reaches a collector's
// file exporter. Tests using it are skipped unless AIMSKIT_OTELCOL names the
// collector binary:
//
//	export AIMSKIT_OTELCOL="$(bash .ci/collector.sh build)"
package otelcoltest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// EnvBinary names the environment variable holding the collector binary.
const EnvBinary = "AIMSKIT_OTELCOL"

// Collector is a running collector with an OTLP receiver on loopback and
// file exporters writing traces.jsonl, metrics.jsonl and logs.jsonl
// (OTLP/JSON, one request per line) into OutDir.
type Collector struct {
	// OutDir is where the file exporters write.
	OutDir string
	// HTTPEndpoint is the OTLP/HTTP base URL, e.g. http://127.0.0.1:43187.
	HTTPEndpoint string
	// GRPCEndpoint is the OTLP/gRPC host:port.
	GRPCEndpoint string

	cmd      *exec.Cmd
	log      bytes.Buffer
	stopOnce sync.Once
}

// Start runs the collector with the project's configuration
// (internal/otelcol/config.yaml) on free loopback ports, waits until it
// accepts connections, and stops it when the test ends. It skips the test
// when AIMSKIT_OTELCOL is not set.
func Start(t testing.TB) *Collector {
	t.Helper()
	bin := os.Getenv(EnvBinary)
	if bin == "" {
		t.Skipf("set %s to a collector binary (export %s=\"$(bash .ci/collector.sh build)\") to run this test", EnvBinary, EnvBinary)
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("otelcoltest: cannot locate the collector configuration")
	}
	cfg := filepath.Join(filepath.Dir(self), "..", "otelcol", "config.yaml")
	c := &Collector{OutDir: t.TempDir()}
	grpcPort, httpPort := freePort(t), freePort(t)
	c.HTTPEndpoint = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	c.GRPCEndpoint = fmt.Sprintf("127.0.0.1:%d", grpcPort)
	c.cmd = exec.Command(bin, "--config", cfg)
	c.cmd.Env = append(os.Environ(),
		"AIMSKIT_OTELCOL_OUT="+c.OutDir,
		fmt.Sprintf("AIMSKIT_OTELCOL_GRPC_PORT=%d", grpcPort),
		fmt.Sprintf("AIMSKIT_OTELCOL_HTTP_PORT=%d", httpPort))
	c.cmd.Stdout, c.cmd.Stderr = &c.log, &c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("otelcoltest: starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("collector output:\n%s", c.log.String())
		}
	})
	// Waiting for start-up, not a timing assertion.
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return c
		}
		if time.Now().After(deadline) {
			c.Stop()
			t.Fatalf("otelcoltest: collector did not listen on %d within a minute: %v\n%s", httpPort, err, c.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop shuts the collector down gracefully, which flushes its batches and
// files; it is safe to call more than once.
func (c *Collector) Stop() {
	c.stopOnce.Do(func() {
		_ = c.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- c.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	})
}

// File returns the path of one of the exporter's files: "logs.jsonl",
// "metrics.jsonl" or "traces.jsonl".
func (c *Collector) File(name string) string { return filepath.Join(c.OutDir, name) }

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
