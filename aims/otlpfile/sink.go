package otlpfile

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/aimskit/aimskit/internal/appendfile"
	"google.golang.org/protobuf/proto"
)

// Sink receives OTLP/HTTP protobuf requests on 127.0.0.1 and appends each
// as one JSON line to traces.jsonl, metrics.jsonl or logs.jsonl in its folder.
type Sink struct {
	srv   *http.Server
	ln    net.Listener
	mu    sync.Mutex
	files map[string]*sinkFile
	done  chan struct{}
}

// sinkFile is one output file.
type sinkFile struct {
	f *os.File
	// cut is set when the file may end in a line without its newline (an
	// earlier run's, or a write that failed in part and could not be cut
	// off again): the next line then starts on a line of its own.
	cut bool
}

// endsCut reports whether the file at path, of the given size, ends in a
// line without its newline: one an earlier run left cut short (a machine
// crash over unsynced data, a full disk). The next line must not be
// appended to it, which would make one corrupt line of the cut one and
// the new batch; the cut line stays, for readers to report.
func endsCut(path string, size int64) (bool, error) {
	if size == 0 {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return false, err
	}
	return last[0] != '\n', nil
}

// writeLine appends line (which ends with a newline) with one write. A
// write that fails in part, as on a full disk, is cut off again, so that
// the batch, which the exporter is told failed and sends again, does not
// leave a fragment the retried batch would run into, making one corrupt
// line of the two. The size to cut back to is taken just before the
// write, so a file rotated meanwhile (truncated by logrotate's
// copytruncate) is never cut to, or extended to, a size it no longer has.
func (sf *sinkFile) writeLine(line []byte) error {
	if sf.cut {
		line = append([]byte{'\n'}, line...)
	}
	err := appendfile.Whole(sf.f, line)
	switch {
	case err == nil:
		sf.cut = false
	case errors.Is(err, appendfile.ErrPartLeft):
		sf.cut = true
	}
	return err
}

// Start listens on a free loopback port and writes into dir.
func Start(dir string) (*Sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &Sink{files: map[string]*sinkFile{}, done: make(chan struct{})}
	for _, name := range []string{"traces", "metrics", "logs"} {
		f, err := os.OpenFile(filepath.Join(dir, name+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			s.closeFiles()
			return nil, err
		}
		sf := &sinkFile{f: f}
		s.files[name] = sf
		st, err := f.Stat()
		if err != nil {
			s.closeFiles()
			return nil, err
		}
		if sf.cut, err = endsCut(f.Name(), st.Size()); err != nil {
			s.closeFiles()
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", s.handler("traces", func() proto.Message { return &coltrace.ExportTraceServiceRequest{} }))
	mux.HandleFunc("POST /v1/metrics", s.handler("metrics", func() proto.Message { return &colmetrics.ExportMetricsServiceRequest{} }))
	mux.HandleFunc("POST /v1/logs", s.handler("logs", func() proto.Message { return &collogs.ExportLogsServiceRequest{} }))
	s.ln, s.srv = ln, &http.Server{Handler: mux}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Endpoint is the base URL to give OTLP/HTTP exporters (OTEL_EXPORTER_OTLP_ENDPOINT).
func (s *Sink) Endpoint() string { return "http://" + s.ln.Addr().String() }

// Close stops the receiver and closes the files. Exporters must be shut
// down first so that their last batch has arrived. Requests in flight are
// written before the files close, unless ctx ends first; then they are cut
// off and Close returns ctx's error.
func (s *Sink) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.closeFiles())
}

func (s *Sink) closeFiles() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.f.Close())
	}
	s.files = nil
	return errors.Join(errs...)
}

func (s *Sink) handler(signal string, newMsg func() proto.Message) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		msg := newMsg()
		if err := proto.Unmarshal(body, msg); err != nil {
			http.Error(w, "not an OTLP protobuf request: "+err.Error(), http.StatusBadRequest)
			return
		}
		line, err := ToJSON(msg)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.mu.Lock()
		f := s.files[signal]
		if f != nil {
			err = f.writeLine(append(line, '\n'))
		}
		s.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}
}

// ToJSON encodes an OTLP request in the OTLP/JSON mapping: protobuf JSON
// with lowerCamelCase names and enum numbers, except that trace and span
// IDs are hex strings rather than base64 (OTLP specification, "JSON
// Protobuf Encoding").
func ToJSON(msg proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("otlpfile: %w", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("otlpfile: %w", err)
	}
	if err := hexIDs(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func hexIDs(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "traceId", "spanId", "parentSpanId":
				s, ok := e.(string)
				if !ok {
					continue
				}
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return fmt.Errorf("otlpfile: %s is not base64: %w", k, err)
				}
				x[k] = hex.EncodeToString(b)
			default:
				if err := hexIDs(e); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, e := range x {
			if err := hexIDs(e); err != nil {
				return err
			}
		}
	}
	return nil
}
