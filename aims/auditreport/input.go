package auditreport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/inventory"
	"golang.org/x/mod/sumdb/note"
)

// File names the collector's file exporters write into the folder that
// LoadOptions.OTelDir names (the aimsaudit command's --otel flag).
const (
	LogsFile    = "logs.jsonl"
	MetricsFile = "metrics.jsonl"
)

// Input is everything a report is built from. A nil slice or pointer means
// the input was not available (Missing says why); a non-nil empty slice
// means it was read and held nothing. Build never modifies an Input.
type Input struct {
	// GeneratedAt is the time the report states it was generated.
	GeneratedAt time.Time

	// LedgerDir is where the decision ledger was read from ("" if none):
	// one ledger, or a folder holding one ledger per instance.
	LedgerDir string
	// Decisions are the ledgers' decision records, including the
	// follow-up records of oversight actions, in ledger order (instance
	// ledgers one after the other).
	Decisions []aims.Decision
	// Management are the ledgers' management-system records (incidents,
	// impact assessments, deployment authorisations, changes, risks), in
	// ledger order.
	Management []aims.ManagementRecord
	// GenAI are the ledgers' generative-AI records (aims/genai:
	// interactions, feedback, evaluations), in ledger order.
	GenAI []genai.Record
	// OtherRecords counts ledger records that are neither decisions,
	// management-system records nor GenAI records (ledger entries such
	// as adoptions).
	OtherRecords int
	// Unreadable counts ledger records that could not be read: records
	// whose schema version is missing or malformed, records of a known
	// schema (aims.decision/, aims.management/, aims.genai/) that do not
	// parse or validate, and records of an unknown version of one of
	// those schemas (written by a newer writer). They are in none of the
	// slices above nor in OtherRecords; Missing says so and names the
	// first few.
	Unreadable int
	// Instances are the instance ledgers read, in the order their records
	// appear in Decisions and Management, each with how many of those
	// records it holds; nil when the input does not say (an Input built
	// by hand), and then the report has no per-instance breakdown.
	Instances []InstanceLedger
	// Key is the public verifier key, or the file holding it, as given.
	Key string
	// Verifications holds the result of verifying each instance ledger;
	// empty when the ledgers were not verified (no ledger or no key).
	Verifications []Verification
	// OutsideCheckpoints is how many signed checkpoints the Collector
	// output holds (aims.ledger.checkpoint records), for all ledgers.
	OutsideCheckpoints int

	ledgerDirs []string      // instance ledgers to verify once the Collector output is read
	verifier   note.Verifier // the public key they are verified with

	// OTelDir is where the collector output was read from ("" if none).
	OTelDir string
	// Logs are the log records of the collector's logs file.
	Logs []otlpfile.LogRecord
	// Metrics are the metric data points of the collector's metrics file.
	Metrics []otlpfile.Point
	// SkippedLogLines and SkippedMetricLines count the lines of the
	// collector's logs and metrics files that could not be read (not
	// OTLP/JSON, a record the OTLP data model does not allow, over the
	// reader's line bound, a torn last line) and were left out, each
	// line with all the records of its batch; Logs and Metrics hold the
	// rest. Missing names the first few and the count.
	SkippedLogLines, SkippedMetricLines int
	// Inventory is the AI-system inventory rebuilt from the logs file.
	Inventory *inventory.Inventory

	// SoAPath is where the Statement of Applicability was read from.
	SoAPath string
	// SoA is the Statement of Applicability.
	SoA *aims.SoA
	// SoAProblems lists what SoA.Validate found wrong, if anything.
	SoAProblems []string

	// Digests holds the SHA-256 (hex) of each input file read, by path,
	// so the report names exactly which bytes it was built from.
	Digests map[string]string

	// Missing lists, in plain words, each input that was not available or
	// could not be read, and why.
	Missing []string
}

// digest records the SHA-256 of the file at path; a file that cannot be
// read gets no digest (its reading fails visibly elsewhere).
func (in *Input) digest(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return
	}
	if in.Digests == nil {
		in.Digests = map[string]string{}
	}
	in.Digests[path] = hex.EncodeToString(h.Sum(nil))
}

// InstanceLedger is one instance ledger of the input and how many of the
// input's records were read from it.
type InstanceLedger struct {
	// Name is the instance's name: the instance part of the origin line
	// of the ledger's checkpoint file (aimskit.ledger/<system>/<instance>),
	// read without checking its signature (the ledger's verification does
	// that); the folder's path below Input.LedgerDir when there is no
	// readable checkpoint.
	Name string
	// Dir is the ledger's directory, as in Verification.Dir.
	Dir string
	// Decisions and Management count the records of Input.Decisions and
	// Input.Management read from this ledger; they come right after the
	// previous instance's records in those slices. OtherRecords counts
	// its records that are neither (nor GenAI records).
	Decisions, Management, OtherRecords int
	// Unreadable counts its records that could not be read (see
	// Input.Unreadable).
	Unreadable int
	// GenAI counts the records of Input.GenAI read from this ledger.
	GenAI int
}

// instanceName names the instance whose ledger is in dir (see
// InstanceLedger.Name).
func instanceName(root, dir string) string {
	if _, cp := readCheckpoint(dir); cp != nil {
		if rest, ok := strings.CutPrefix(cp.Origin, ledger.OriginPrefix); ok {
			if _, inst, ok := strings.Cut(rest, "/"); ok && inst != "" {
				return inst
			}
		}
	}
	if rel, err := filepath.Rel(root, dir); err == nil && rel != "." {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(dir)
}

// Verification is the outcome of verifying the decision ledger with the
// system's public key, and the latest checkpoint found in it.
type Verification struct {
	// Dir is the instance ledger's directory.
	Dir string
	// OK is true when ledger.Verify found no problem.
	OK bool
	// Problem is the first problem found, empty when OK.
	Problem string
	// File, Line and Seq locate the problem as far as it has a location
	// (Seq is -1 when it concerns no record).
	File string
	Line int   // 1-based line in File; 0 when not about one line
	Seq  int64 // first record affected; -1 when none

	// Records, Pruned, Pending, Segments and Checkpoints summarise a
	// ledger that verified, and are zero otherwise: Records counts all
	// records (pruned ones included), Pruned those deleted by retention,
	// Pending those after the last checkpoint (only with AllowPending).
	Records, Pruned, Pending int64
	Segments, Checkpoints    int // how many segment files and signed checkpoints the ledger has

	// Checkpoint is the latest checkpoint, nil when none could be read.
	// When verification failed it is parsed from the checkpoint file
	// without trusting its signature, and CheckpointVerified is false.
	Checkpoint         *ledger.Checkpoint
	CheckpointVerified bool // Checkpoint's signature was checked (the ledger verified)
	// CheckpointNote is the full text of the latest signed checkpoint
	// (body and signature lines), as stored in the ledger.
	CheckpointNote string
	// External is how many checkpoints kept outside the host (the
	// Collector's aims.ledger.checkpoint records) named this ledger and
	// agreed with it; zero means nothing outside vouches for it.
	External int
	// Adoptions are the ranges of records the ledger adopted at a restart
	// although no checkpoint covered them when written.
	Adoptions []ledger.Adoption
}

// LoadOptions say where Load finds the report's inputs. Empty paths are
// reported as missing inputs.
type LoadOptions struct {
	// LedgerDir is the decision ledger's directory.
	LedgerDir string
	// OTelDir holds the collector's logs.jsonl and metrics.jsonl.
	OTelDir string
	// SoAPath is the Statement of Applicability (JSON or YAML).
	SoAPath string
	// Key is the ledger's public verifier key, or a file holding it.
	Key string
	// AllowPending accepts records after the last checkpoint (a ledger
	// copied from a running service).
	AllowPending bool
	// Now is the report's generation time (default time.Now).
	Now time.Time
}

// Load reads the inputs named by opts. An input that is not given, does not
// exist or cannot be parsed is recorded in Input.Missing and the rest is
// still read, so the report can say what it could not see. Load returns an
// error only when ctx is cancelled (checked between inputs and between
// ledger records).
func Load(ctx context.Context, opts LoadOptions) (*Input, error) {
	in := &Input{GeneratedAt: opts.Now}
	if in.GeneratedAt.IsZero() {
		in.GeneratedAt = time.Now()
	}
	in.GeneratedAt = in.GeneratedAt.UTC()

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loadLedger(ctx, in, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loadCollector(in, opts.OTelDir)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	verifyLedgers(ctx, in, opts.AllowPending)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loadSoA(in, opts.SoAPath)
	return in, nil
}

func (in *Input) missing(format string, args ...any) {
	in.Missing = append(in.Missing, fmt.Sprintf(format, args...))
}

// maxUnreadableListed is how many unreadable ledger records Missing
// names one by one.
const maxUnreadableListed = 3

// knownSchemaFamily reports whether the schema version sv belongs to a
// record schema this package reads (decisions, management-system records,
// GenAI records), whatever its version.
func knownSchemaFamily(sv string) bool {
	for _, known := range []string{aims.DecisionSchemaVersion, aims.ManagementSchemaVersion, genai.SchemaVersion} {
		family, _, ok := strings.Cut(known, "/")
		if ok && strings.HasPrefix(sv, family+"/") {
			return true
		}
	}
	return false
}

func loadLedger(ctx context.Context, in *Input, opts LoadOptions) {
	if opts.LedgerDir == "" {
		in.missing("decision ledger: no ledger folder was given (--ledger)")
		return
	}
	in.LedgerDir = opts.LedgerDir
	if fi, err := os.Stat(opts.LedgerDir); err != nil || !fi.IsDir() {
		in.missing("decision ledger: %s is not a readable folder", opts.LedgerDir)
		return
	}
	dirs, err := ledger.FindLedgers(opts.LedgerDir)
	if err != nil || len(dirs) == 0 {
		if err == nil {
			err = errors.New("it holds no ledger segments")
		}
		in.missing("decision ledger: %s: %v", opts.LedgerDir, err)
		return
	}
	decisions := make([]aims.Decision, 0)
	management := make([]aims.ManagementRecord, 0)
	genaiRecords := make([]genai.Record, 0)
	other, unread := 0, 0
	instances := make([]InstanceLedger, 0, len(dirs))
	var bad []string
	for _, dir := range dirs {
		nd, nm, ng, no, nu := len(decisions), len(management), len(genaiRecords), other, unread
		err := ledger.Scan(dir, func(r ledger.ScannedRecord) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			// unreadable counts a record that could not be read (see
			// Input.Unreadable), and keeps the first few for Missing.
			unreadable := func(err error) error {
				if len(bad) < maxUnreadableListed {
					bad = append(bad, fmt.Sprintf("%s line %d: %v", filepath.Join(dir, r.Segment), r.Line, err))
				}
				unread++
				return nil
			}
			// One look at the schema, then one decode of the record.
			sv, err := aims.SchemaVersionOf(r.Record)
			if err != nil {
				return unreadable(err)
			}
			switch sv {
			case aims.ManagementSchemaVersion:
				mr, err := aims.ParseManagementRecord(r.Record)
				if err != nil {
					return unreadable(err)
				}
				management = append(management, mr)
			case genai.SchemaVersion:
				gr, err := genai.ParseRecord(r.Record)
				if err != nil {
					return unreadable(err)
				}
				genaiRecords = append(genaiRecords, gr)
			case aims.DecisionSchemaVersion:
				var d aims.Decision
				if err := json.Unmarshal(r.Record, &d); err != nil {
					return unreadable(err)
				}
				decisions = append(decisions, d)
			default:
				if knownSchemaFamily(sv) {
					return unreadable(fmt.Errorf("schema version %q is not one this report reads (%s, %s or %s)",
						sv, aims.DecisionSchemaVersion, aims.ManagementSchemaVersion, genai.SchemaVersion))
				}
				other++
			}
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		instances = append(instances, InstanceLedger{Name: instanceName(opts.LedgerDir, dir), Dir: dir,
			Decisions: len(decisions) - nd, Management: len(management) - nm, GenAI: len(genaiRecords) - ng, OtherRecords: other - no,
			Unreadable: unread - nu})
		if err != nil {
			in.missing("decision ledger: reading %s stopped: %v (the records before the problem are included)", dir, err)
		}
	}
	for _, b := range bad {
		in.missing("decision ledger: a record could not be read: %s", b)
	}
	if unread > len(bad) {
		in.missing("decision ledger: %d records in all could not be read and are not counted (the first %d are named above)", unread, len(bad))
	}
	in.Decisions, in.Management, in.OtherRecords, in.Instances = decisions, management, other, instances
	in.Unreadable = unread
	in.GenAI = genaiRecords

	if opts.Key == "" {
		in.missing("ledger verification: no public verifier key was given (--key), so the ledger was not verified")
		return
	}
	in.Key = opts.Key
	v, err := ledger.LoadVerifier(opts.Key)
	if err != nil {
		in.missing("ledger verification: the verifier key could not be loaded: %v", err)
		return
	}
	in.ledgerDirs, in.verifier = dirs, v
}

// verifyLedgers verifies each instance ledger against the key and the
// checkpoints the ledgers emitted to the Collector: those are kept outside
// the ledgers' host, so a ledger rolled back, emptied or rebuilt after
// they were emitted fails here even if its own files are consistent.
func verifyLedgers(ctx context.Context, in *Input, allowPending bool) {
	var outside [][]byte
	for _, r := range in.Logs {
		if !strings.HasPrefix(r.EventName, semconv.EventLedgerCheckpoint) {
			continue
		}
		if body, ok := r.Body.(string); ok {
			outside = append(outside, []byte(body))
		}
	}
	in.OutsideCheckpoints = len(outside)
	for _, dir := range in.ledgerDirs {
		if ctx.Err() != nil {
			return
		}
		in.Verifications = append(in.Verifications, verifyLedger(dir, in.verifier, allowPending, outside))
	}
}

// verifyLedger runs ledger.Verify and keeps what an auditor needs to see.
func verifyLedger(dir string, v note.Verifier, allowPending bool, outside [][]byte) Verification {
	res := Verification{Dir: dir, Seq: -1}
	rep, err := ledger.Verify(dir, []note.Verifier{v}, ledger.VerifyOptions{AllowPending: allowPending, External: outside})
	noteText, cp := readCheckpoint(dir)
	res.CheckpointNote = noteText
	if err == nil {
		res.OK = true
		res.Records, res.Pruned, res.Pending = rep.Records, rep.Pruned, rep.Pending
		res.Segments, res.Checkpoints = rep.Segments, rep.Checkpoints
		res.External, res.Adoptions = rep.External, rep.Adoptions
		cp := rep.Latest
		res.Checkpoint, res.CheckpointVerified = &cp, true
		if rep.LatestNote != nil {
			// The checkpoint verified as the latest, from the history:
			// the file read above is one behind after a crash between
			// the two checkpoint writes (LatestBehind).
			res.CheckpointNote = string(rep.LatestNote)
		}
		return res
	}
	res.Problem = err.Error()
	var ve *ledger.VerifyError
	if errors.As(err, &ve) {
		res.Problem, res.File, res.Line, res.Seq = ve.Problem, ve.File, ve.Line, ve.Seq
	}
	res.Checkpoint = cp
	return res
}

// readCheckpoint reads the checkpoint note of the ledger in dir and parses
// its body, without verifying its signatures; "" and nil if there is none
// or it does not parse.
func readCheckpoint(dir string) (string, *ledger.Checkpoint) {
	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return "", nil
	}
	body, _, _ := strings.Cut(string(raw), "\n\n")
	cp, err := ledger.ParseCheckpoint(body + "\n")
	if err != nil {
		return string(raw), nil
	}
	return string(raw), &cp
}

func loadCollector(in *Input, dir string) {
	if dir == "" {
		in.missing("collector output: no folder was given (--otel), so there are no log records, metric points or inventory")
		return
	}
	in.OTelDir = dir
	logsPath := filepath.Join(dir, LogsFile)
	in.digest(logsPath)
	if f, err := os.Open(logsPath); err != nil {
		in.missing("collector logs: %s could not be opened: %v", logsPath, errors.Unwrap(err))
	} else {
		var skipped otlpfile.Skipped
		logs, err := otlpfile.ReadLogs(f, otlpfile.WithSkipBadLines(&skipped))
		in.SkippedLogLines = skipped.Lines
		in.skippedLines("collector logs", logsPath, "log records", &skipped)
		if err != nil {
			in.missing("collector logs: %v", err) // the error names the file and line
		} else {
			if logs == nil {
				logs = make([]otlpfile.LogRecord, 0)
			}
			in.Logs = logs
		}
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			var src io.Reader = f
			if in.Logs != nil {
				src = onlyLines(f, inventoryLines(in.Logs))
			}
			inv, err := inventory.FromOTLP(src)
			if err != nil {
				in.missing("inventory: rebuilding it from the collector logs failed: %v", err)
			} else {
				in.Inventory = inv
				noteRefused(in, inv.Refused())
			}
		}
		f.Close()
	}
	metricsPath := filepath.Join(dir, MetricsFile)
	in.digest(metricsPath)
	if f, err := os.Open(metricsPath); err != nil {
		in.missing("collector metrics: %s could not be opened: %v", metricsPath, errors.Unwrap(err))
	} else {
		var skipped otlpfile.Skipped
		pts, err := otlpfile.ReadMetrics(f, otlpfile.WithSkipBadLines(&skipped))
		f.Close()
		in.SkippedMetricLines = skipped.Lines
		in.skippedLines("collector metrics", metricsPath, "metric points", &skipped)
		if err != nil {
			in.missing("collector metrics: %v", err) // the error names the file and line
		} else {
			if pts == nil {
				pts = make([]otlpfile.Point, 0)
			}
			in.Metrics = pts
		}
	}
}

// skippedLines notes in Missing the lines of a collector file that were
// skipped: each of the first few, then how many in all.
func (in *Input) skippedLines(what, path, records string, s *otlpfile.Skipped) {
	if s.Lines == 0 {
		return
	}
	for _, e := range s.First {
		in.missing("%s: a line could not be read and was skipped: %v", what, e)
	}
	verb, on := "were", "them"
	if s.Lines == 1 {
		verb, on = "was", "it"
	}
	in.missing("%s: %s of %s could not be read and %s skipped; the %s on %s are not in this report (the first %d are named above)",
		what, plural(s.Lines, "line", "lines"), path, verb, records, on, len(s.First))
}

// noteRefused names in Missing the inventory records FromOTLP refused (the
// latest of each of the first few systems, then how many in all), so that
// a record left out of the inventory is seen in the report.
func noteRefused(in *Input, refused []inventory.RefusedRecord) {
	total := 0
	for i, rr := range refused {
		total += rr.Count
		if i >= maxUnreadableListed {
			continue
		}
		id := "records without aims.system.id"
		if rr.SystemID != "" {
			id = "system " + strconv.Quote(rr.SystemID)
		}
		in.missing("inventory: %s refused (%d in all), the latest at %s: %s", id, rr.Count, rr.Where, strings.ReplaceAll(rr.Err.Error(), "\n", "; "))
	}
	if len(refused) > maxUnreadableListed {
		in.missing("inventory: %d records of %d systems in all were refused and are not in the inventory (the first %d systems are named above)", total, len(refused), maxUnreadableListed)
	}
}

func loadSoA(in *Input, path string) {
	if path == "" {
		in.missing("Statement of Applicability: no file was given (--soa), so applicability of the Annex A controls is unknown")
		return
	}
	in.SoAPath = path
	in.digest(path)
	soa, err := aims.LoadSoAFile(path)
	if err != nil {
		in.missing("Statement of Applicability: %v", err)
		return
	}
	in.SoA = soa
	if err := soa.Validate(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				in.SoAProblems = append(in.SoAProblems, line)
			}
		}
	}
}
