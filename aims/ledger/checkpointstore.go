package ledger

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// checkpoint signs a checkpoint over the whole tree, stores it and emits it
// as an aims.ledger.checkpoint log record, so a copy leaves the host. The
// records it covers must already be durable: it syncs them first. closed
// marks the checkpoint of a clean shutdown.
//
// The history (checkpoints.jsonl) is appended and fsynced before the
// latest-checkpoint file is replaced: a crash between the two leaves that
// file one checkpoint behind the history, which Open repairs and Verify
// accepts, never a latest checkpoint the history does not hold.
func (l *Ledger) checkpoint(closed bool) error {
	if l.seg != nil {
		if err := l.syncData(); err != nil {
			return err
		}
		l.dirty = false
	}
	root, err := l.tree.root()
	if err != nil {
		return err
	}
	cp := Checkpoint{Origin: l.origin, Size: l.tree.n, Root: root, Time: l.cfg.now().UTC(), Closed: closed}
	if cp.Time.Before(l.last.Time) {
		// Checkpoint times never go backwards, even if the clock does.
		cp.Time = l.last.Time
	}
	msg, err := SignCheckpoint(cp, l.signer)
	if err != nil {
		return err
	}
	if err := appendNoteLine(l.dir, checkpointsFile, msg); err != nil {
		return err
	}
	if err := writeFileAtomic(l.dir, latestFile, msg); err != nil {
		return err
	}
	l.last, l.lastNote = cp, msg
	l.witnessCheckpoint(cp, msg) // witnessing.go: hands it to the witnesses, never blocks
	l.inst.checkpoints.Add(context.Background(), 1, l.inst.attrs)
	l.emitCheckpoint(cp, msg)
	return nil
}

// emitCheckpoint sends the signed checkpoint out of the host as a log
// record: an auditor holding these (from the Collector's output) detects a
// ledger rolled back, truncated or rebuilt after they were emitted, even if
// every file of the ledger directory was rewritten.
func (l *Ledger) emitCheckpoint(cp Checkpoint, msg []byte) {
	var r log.Record
	r.SetEventName(semconv.EventLedgerCheckpoint)
	r.SetTimestamp(cp.Time)
	r.SetSeverity(log.SeverityInfo)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue(string(msg)))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(l.origin),
		semconv.AimsLedgerTreeSize.Int64(cp.Size),
		semconv.AimsLedgerRootHash.String(base64.StdEncoding.EncodeToString(cp.Root[:])),
	)
	l.logger.Emit(context.Background(), r)
}

// checkpointLine is one line of checkpoints.jsonl.
type checkpointLine struct {
	Note string `json:"note"`
}

func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ledger: writing %s: %w", name, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Directories cannot be opened for fsync on Windows; NTFS
		// journals the metadata of renames and creations itself.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ledger: syncing directory %s: %w", dir, err)
	}
	return nil
}

// readLatest reads the latest-checkpoint file, which holds one signed
// note, no longer than a line of checkpoints.jsonl can hold. A larger file
// is not the writer's: it is an error, found from the file's size without
// reading it, so a huge file cannot exhaust memory.
func readLatest(dir string) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, latestFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxLineBytes {
		return nil, errLatestTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, maxLineBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxLineBytes {
		return nil, errLatestTooLarge
	}
	return b, nil
}

// errLatestTooLarge is readLatest's error for a file that cannot hold a
// checkpoint.
var errLatestTooLarge = fmt.Errorf("the latest checkpoint file is not a regular file of at most %d bytes, so it holds no checkpoint the ledger wrote", maxLineBytes)
