package fairness

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
)

// Errors returned by Monitor.
var (
	// ErrClosed is returned by a closed Monitor.
	ErrClosed = errors.New("fairness: monitor is closed")
	// ErrTooManyGroups is no longer returned.
	//
	// Deprecated: a decision beyond the group bounds is counted under
	// OverflowLevel (see WithGroupLevels, WithMaxGroups), never rejected.
	ErrTooManyGroups = errors.New("fairness: too many groups")
	// ErrDuplicateDecision is returned when a decision ID is observed
	// again while its label is still pending.
	ErrDuplicateDecision = errors.New("fairness: decision already observed")
	// ErrUnknownDecision is returned by ObserveLabel when the decision ID
	// was never observed, already labelled, or evicted from the bounded
	// pending set.
	ErrUnknownDecision = errors.New("fairness: unknown or expired decision")
)

// Disparity names a between-groups disparity the Monitor tracks.
type Disparity string

// The disparities a Monitor exports and can alarm on. Ratios alarm when
// they fall below the limit, differences when they rise above it.
const (
	DemographicParityRatio      Disparity = "demographic_parity_ratio"
	DemographicParityDifference Disparity = "demographic_parity_difference"
	EqualOpportunityRatio       Disparity = "equal_opportunity_ratio"
	EqualOpportunityDifference  Disparity = "equal_opportunity_difference"
	EqualizedOddsRatio          Disparity = "equalized_odds_ratio"
	EqualizedOddsDifference     Disparity = "equalized_odds_difference"
)

var allDisparities = []Disparity{DemographicParityRatio, DemographicParityDifference, EqualOpportunityRatio,
	EqualOpportunityDifference, EqualizedOddsRatio, EqualizedOddsDifference}

func (d Disparity) isRatio() bool { return strings.HasSuffix(string(d), "_ratio") }

// maxMonitorFeatures bounds the sensitive features of a monitor.
const maxMonitorFeatures = 64

// DefaultControlID is the ISO/IEC 42001 Annex A control that threshold
// events are evidence for: A.6.2.6, AI system operation and monitoring.
const DefaultControlID = "A.6.2.6"

// Threshold configures an alarm on a disparity.
type Threshold struct {
	// Disparity is the measure watched.
	Disparity Disparity
	// Limit is the threshold: a ratio below it, or a difference above it,
	// is a violation (e.g. DemographicParityRatio with Limit 0.8 is the
	// four-fifths rule). A value equal to the limit is no violation, and
	// the comparison allows for rounding error (LimitTolerance), so an
	// exact 4/5 ratio, computed as 0.7999999999999999, does not violate
	// Limit 0.8.
	Limit float64
	// ControlID is the aims.control.id of the event (default A.6.2.6).
	ControlID string
	// Hysteresis is how far back across the limit the value must move
	// before a violation counts as recovered (reaching limit ± Hysteresis
	// is enough, with the same LimitTolerance), so a disparity hovering at
	// the limit does not flood the log (default DefaultHysteresis; a
	// negative value means none).
	Hysteresis float64
}

// DefaultHysteresis is the Threshold.Hysteresis used when it is zero.
const DefaultHysteresis = 0.02

// groupCounts are one group's counts in a window; conf is indexed by
// y<<1 | ŷ (tn, fp, fn, tp).
type groupCounts struct {
	decisions, predPos int64
	conf               [4]int64
}

func (g *groupCounts) add(o *groupCounts, sign int64) {
	g.decisions += sign * o.decisions
	g.predPos += sign * o.predPos
	for i := range g.conf {
		g.conf[i] += sign * o.conf[i]
	}
}

type windowEntry struct {
	group int32
	pred  int8
	label int8 // -1 until the label arrives
}

type groupInfo struct {
	labels   []string
	name     string
	overflow bool // some level is OverflowLevel
	attrs    metric.MeasurementOption
	// addAttrs holds attrs for the synchronous counters, built once so
	// that adding to them does not allocate.
	addAttrs []metric.AddOption
}

// Monitor measures group fairness of a deployed model over a sliding
// window. Observe records a decision with its group and prediction;
// ObserveFinal replaces the prediction by the final outcome after human
// review; ObserveLabel adds the true label when it becomes known, joined by
// decision ID. It exports OpenTelemetry gauges per group and per
// disparity over the window, cumulative per-group counts since it started
// (aims.fairness.cumulative.*: the counts of several replicas add up to the
// fleet's, see GroupCounts and FleetStatsOf), and emits an event (with aims.control.id) when a disparity
// crosses its threshold and when it recovers. With a time window, a
// crossing caused only by time passing (old buckets expiring) is found at
// the next metric collection, Snapshot or Intervals as well as at the next
// decision, so a service whose traffic stopped still gets its alarm or its
// recovery.
//
// Memory is bounded by the window (count window: one small entry per
// decision; time window: one set of counts per bucket and group), the
// pending-label set and the number of groups. Observe and ObserveLabel do
// not allocate in the steady state. A Monitor is safe for concurrent use
// and owns no goroutines. Close emits what is still pending and leaves
// the final window's gauges for the next collection.
type Monitor struct {
	mu       sync.Mutex
	features []string
	cfg      monitorConfig

	groups    []groupInfo
	levels    []levelSet
	scratch   []string
	groupSeed maphash.Seed
	groupIdx  map[uint64][]int32 // hash of labels → group indices
	totals    []groupCounts
	// cum holds each group's counts since the monitor started (not
	// windowed), exported as the aims.fairness.cumulative.* sums.
	cum []groupCounts

	// count window
	ring []windowEntry
	// time window
	buckets   []groupCounts // bucket k, group g at k*maxGroups+g
	curBucket int64
	bucketDur time.Duration

	seq       uint64 // decisions observed
	pending   *pendingTable
	fifoIDs   []string
	fifoSeqs  []uint64
	fifoHead  int
	evicted   int64
	unmatched int64
	late      int64

	// limits reached: decisions counted in an overflow group, decisions
	// with a value beyond the levels, decisions whose combination exceeded
	// the group bound, decisions with a truncated value
	overDecisions, overLevels, overGroups, truncated int64

	violated []bool
	// alarmTail orders the alarm handler's calls (WithAlarmHandler). A
	// crossing takes its place in line under mu (queueAlarm): it puts a
	// fresh channel at the tail, and once mu is released it waits for the
	// channel of the crossing before it to be closed, calls the handler
	// and closes its own. Crossings thus reach the handler in the order
	// they happened, and nobody waits for a handler while holding mu, so
	// a slow handler delays only the crossings queued behind it and Close,
	// which can give up at its deadline. nil when nothing was queued.
	alarmTail chan struct{}
	alarmKeys []string // the alarm key of each threshold
	logger    otellog.Logger
	reg       metric.Registration
	closed    bool
	// sealed is set when Close has prepared the final state (events,
	// intervals); final holds the final window's intervals, if computed.
	sealed bool
	final  *MonitorIntervals
	// exported is set once the final state of a closed monitor has been
	// observed by a collection; the callback then reports nothing more.
	exported bool
	// inst are the synchronous counters (cumulative counts, unmatched
	// labels, limits reached), added to where the counts change.
	inst counters
}

// NewMonitor creates a monitor for decisions described by the given
// sensitive feature names; Observe takes one label per feature, in this
// order.
func NewMonitor(features []string, opts ...MonitorOption) (*Monitor, error) {
	cfg, err := newMonitorConfig(opts)
	if err != nil {
		return nil, err
	}
	if len(features) == 0 {
		return nil, errors.New("fairness: monitor needs at least one sensitive feature")
	}
	if len(features) > maxMonitorFeatures {
		return nil, fmt.Errorf("fairness: monitor takes at most %d sensitive features, got %d", maxMonitorFeatures, len(features))
	}
	m := &Monitor{
		features:  append([]string(nil), features...),
		cfg:       cfg,
		groupSeed: maphash.MakeSeed(),
		groupIdx:  make(map[uint64][]int32, cfg.maxGroups),
		totals:    make([]groupCounts, cfg.maxGroups),
		cum:       make([]groupCounts, cfg.maxGroups),
		pending:   newPendingTable(cfg.maxPending),
		fifoIDs:   make([]string, cfg.maxPending),
		fifoSeqs:  make([]uint64, cfg.maxPending),
		violated:  make([]bool, len(cfg.thresholds)),
		groups:    make([]groupInfo, 0, cfg.maxGroups),
		scratch:   make([]string, len(features)),
	}
	for _, f := range features {
		ls := levelSet{max: cfg.maxLevels, known: map[string]struct{}{}}
		if lv, ok := cfg.levels[f]; ok {
			ls.declared, ls.max = true, len(lv)
			for _, l := range lv {
				ls.known[l] = struct{}{}
			}
		}
		m.levels = append(m.levels, ls)
	}
	for f := range cfg.levels {
		if !slices.Contains(features, f) {
			return nil, fmt.Errorf("fairness: WithGroupLevels: %q is not a sensitive feature of the monitor %v", f, features)
		}
	}
	if cfg.timeWindow > 0 {
		m.bucketDur = cfg.timeWindow / time.Duration(cfg.buckets)
		m.buckets = make([]groupCounts, cfg.buckets*cfg.maxGroups)
		m.curBucket = cfg.now().UnixNano() / int64(m.bucketDur)
	} else {
		m.ring = make([]windowEntry, cfg.countWindow)
	}
	m.alarmKeys = alarmKeys(m.features, cfg.thresholds)
	m.logger = cfg.tel.Logger(semconv.ScopeFairness)
	if err := m.registerMetrics(); err != nil {
		return nil, err
	}
	return m, nil
}

func validDisparity(d Disparity) bool {
	for _, x := range allDisparities {
		if x == d {
			return true
		}
	}
	return false
}

// levelSet holds the levels of one sensitive feature: the declared ones,
// or the first values seen up to the bound.
type levelSet struct {
	declared bool
	max      int
	known    map[string]struct{}
}

// observe is ObserveContext.
func (m *Monitor) observe(ctx context.Context, decisionID string, groups []string, prediction int) error {
	if m.pending == nil {
		return errors.New("fairness: monitor not created with NewMonitor")
	}
	if err := checkDecisionID(decisionID); err != nil {
		return err
	}
	if len(groups) != len(m.features) {
		return fmt.Errorf("fairness: monitor has %d sensitive features, decision %q gives %d group labels", len(m.features), decisionID, len(groups))
	}
	if prediction != 0 && prediction != 1 {
		return fmt.Errorf("fairness: prediction %d of decision %q is not 0 or 1", prediction, decisionID)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if _, dup := m.pending.get(decisionID); dup {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrDuplicateDecision, decisionID)
	}
	g := m.groupOf(groups)
	m.seq++
	seq := m.seq
	var slot int64
	if m.ring != nil {
		n := uint64(len(m.ring))
		e := &m.ring[seq%n]
		if seq > n { // evict the decision that leaves the window
			old := &m.totals[e.group]
			old.decisions--
			old.predPos -= int64(e.pred)
			if e.label >= 0 {
				old.conf[int(e.label)<<1|int(e.pred)]--
			}
		}
		*e = windowEntry{group: g, pred: int8(prediction), label: -1}
		slot = int64(seq)
	} else {
		slot = m.advance()
		b := &m.buckets[int(slot%int64(m.cfg.buckets))*m.cfg.maxGroups+int(g)]
		b.decisions++
		b.predPos += int64(prediction)
	}
	t := &m.totals[g]
	t.decisions++
	t.predPos += int64(prediction)
	c := &m.cum[g]
	c.decisions++
	c.predPos += int64(prediction)
	// The decision before its selection: an export reading selected
	// first must never see more of them than decisions (see cumulativeInstruments).
	bg, at := context.Background(), m.groups[g].addAttrs
	m.inst.cum.decisions.Add(bg, 1, at...)
	if prediction != 0 {
		m.inst.cum.selected.Add(bg, int64(prediction), at...)
	}

	// Remember the decision for its label, forgetting the oldest pending
	// one when the bound is reached.
	fi := m.fifoHead
	if old := m.fifoIDs[fi]; old != "" {
		if v, ok := m.pending.get(old); ok && v.seq == m.fifoSeqs[fi] {
			// Counted in Evicted only: aims.fairness.unmatched_labels
			// counts labels, and this decision's label, if it ever
			// comes, is counted when ObserveLabel finds no decision.
			m.pending.del(old)
			m.evicted++
		}
	}
	m.fifoIDs[fi], m.fifoSeqs[fi] = decisionID, seq
	m.fifoHead = (fi + 1) % len(m.fifoIDs)
	m.pending.put(decisionID, pendingVal{seq: seq, slot: slot, group: g, pred: int8(prediction)})
	m.unlockEvaluate(ctx)
	return nil
}

// observeLabel is ObserveLabelContext.
func (m *Monitor) observeLabel(ctx context.Context, decisionID string, label int) error {
	// An overlong ID was never pending: refused, not counted as unmatched.
	if len(decisionID) > MaxDecisionIDLength {
		return checkDecisionID(decisionID)
	}
	if label != 0 && label != 1 {
		return fmt.Errorf("fairness: label %d of decision %q is not 0 or 1", label, decisionID)
	}
	v, err := m.lockPending(decisionID, true)
	if err != nil {
		return err
	}
	m.pending.del(decisionID)
	k := label<<1 | int(v.pred)
	if m.inWindow(v) {
		if m.ring != nil {
			m.ring[v.seq%uint64(len(m.ring))].label = int8(label)
		} else {
			m.bucketOf(v).conf[k]++
		}
		m.totals[v.group].conf[k]++
	} else {
		m.late++
		m.inst.unmatched.Add(context.Background(), 1)
	}
	m.cum[v.group].conf[k]++
	m.inst.cum.conf[k].Add(context.Background(), 1, m.groups[v.group].addAttrs...)
	m.unlockEvaluate(ctx)
	return nil
}

// observeFinal is ObserveFinalContext.
func (m *Monitor) observeFinal(ctx context.Context, decisionID string, final int) error {
	if len(decisionID) > MaxDecisionIDLength {
		return checkDecisionID(decisionID)
	}
	if final != 0 && final != 1 {
		return fmt.Errorf("fairness: final outcome %d of decision %q is not 0 or 1", final, decisionID)
	}
	v, err := m.lockPending(decisionID, false)
	if err != nil {
		return err
	}
	if d := int64(final) - int64(v.pred); d != 0 {
		if m.inWindow(v) {
			if m.ring != nil {
				m.ring[v.seq%uint64(len(m.ring))].pred = int8(final)
			} else {
				m.bucketOf(v).predPos += d
			}
			m.totals[v.group].predPos += d
		}
		m.cum[v.group].predPos += d
		m.inst.cum.selected.Add(context.Background(), d, m.groups[v.group].addAttrs...)
		v.pred = int8(final)
		m.pending.put(decisionID, v)
	}
	m.unlockEvaluate(ctx)
	return nil
}

// lockPending takes the monitor's lock and returns the pending decision
// decisionID, keeping the lock; on error the lock is not held. countMiss
// counts an unknown decision as an unmatched label.
func (m *Monitor) lockPending(decisionID string, countMiss bool) (pendingVal, error) {
	if m.pending == nil {
		return pendingVal{}, errors.New("fairness: monitor not created with NewMonitor")
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return pendingVal{}, ErrClosed
	}
	v, ok := m.pending.get(decisionID)
	if !ok {
		if countMiss {
			m.unmatched++
			m.inst.unmatched.Add(context.Background(), 1)
		}
		m.mu.Unlock()
		return pendingVal{}, fmt.Errorf("%w: %q", ErrUnknownDecision, decisionID)
	}
	return v, nil
}

// inWindow reports whether pending decision v still counts in the window
// (count window: among the last decisions; time window: in a live
// bucket); lock held.
func (m *Monitor) inWindow(v pendingVal) bool {
	if m.ring != nil {
		return v.seq+uint64(len(m.ring)) > m.seq
	}
	return v.slot > m.advance()-int64(m.cfg.buckets)
}

// bucketOf returns the time-window bucket counts of v's group; lock held.
func (m *Monitor) bucketOf(v pendingVal) *groupCounts {
	return &m.buckets[int(v.slot%int64(m.cfg.buckets))*m.cfg.maxGroups+int(v.group)]
}

// unlockEvaluate evaluates the thresholds, releases the lock and emits the
// events the evaluation produced, outside it, and hands them to the alarm
// handler, both with ctx (the caller's, so that they carry its trace
// context).
func (m *Monitor) unlockEvaluate(ctx context.Context) {
	m.unlockDeliver(ctx, m.evaluate())
}

// unlockDeliver releases the lock and emits evs, found under it, outside
// it, handing them to the alarm handler in their place in line. The
// caller's cancellation is dropped: evidence of a crossing the monitor
// already counted is not lost because the request that caused it ended.
func (m *Monitor) unlockDeliver(ctx context.Context, evs []thresholdEvent) {
	if len(evs) > 0 && m.cfg.onAlarm != nil {
		prev, done := m.queueAlarm()
		m.mu.Unlock()
		m.deliverAlarm(context.WithoutCancel(ctx), prev, done, evs)
		return
	}
	m.mu.Unlock()
	for _, ev := range evs {
		m.emit(context.WithoutCancel(ctx), ev)
	}
}

// advanceEvaluate brings a time window of an open monitor up to now and
// evaluates the thresholds, so a crossing caused only by old buckets
// leaving the window is found by whoever reads the window (Snapshot,
// Intervals, a metric collection) even when no decision comes; lock held.
// It returns nil, without allocating, for a count window, a closed
// monitor or when no threshold changed state.
func (m *Monitor) advanceEvaluate() []thresholdEvent {
	if m.ring != nil || m.closed {
		return nil
	}
	m.advance()
	return m.evaluate()
}

// queueAlarm takes the next place in the alarm handler's line; mu held.
// The caller waits for prev to be closed (nil: nobody is ahead), hands its
// crossings to the handler and then closes done, even if it gave up.
func (m *Monitor) queueAlarm() (prev <-chan struct{}, done chan struct{}) {
	done = make(chan struct{})
	prev, m.alarmTail = m.alarmTail, done
	return prev, done
}

// deliverAlarm waits for the crossings queued before these to be
// handled, then emits each of evs and hands it to the alarm handler, in
// order; mu not held.
func (m *Monitor) deliverAlarm(ctx context.Context, prev <-chan struct{}, done chan struct{}, evs []thresholdEvent) {
	defer close(done) // even if the handler panics: the line moves on
	if prev != nil {
		<-prev
	}
	for _, ev := range evs {
		m.emit(ctx, ev)
		m.cfg.onAlarm(ctx, m.alarm(ev))
	}
}

// advance moves the time window to now, expiring old buckets; lock held.
func (m *Monitor) advance() int64 {
	now := m.cfg.now().UnixNano() / int64(m.bucketDur)
	if now <= m.curBucket {
		return m.curBucket
	}
	k := int64(m.cfg.buckets)
	from := m.curBucket + 1
	if now-from >= k {
		from = now - k + 1
	}
	for b := from; b <= now; b++ {
		base := int(b%k) * m.cfg.maxGroups
		for g := range m.groups {
			bc := &m.buckets[base+g]
			m.totals[g].add(bc, -1)
			*bc = groupCounts{}
		}
	}
	m.curBucket = now
	return now
}

// thresholdEvent is an event to emit after the lock is released.
type thresholdEvent struct {
	t        Threshold
	idx      int // index of t in the thresholds
	state    string
	value    float64
	min, max string
	window   int64
	at       time.Time // when the crossing was detected (the monitor's clock)
}

// evaluate checks the thresholds; lock held. It returns an event for
// every threshold whose state changed, in the order of the thresholds, so
// a decision that crosses several of them at once reports each crossing
// with the value it caused (nil, without allocating, when none changed).
func (m *Monitor) evaluate() []thresholdEvent {
	var evs []thresholdEvent
	var now time.Time // read at the first crossing, under the lock
	for i, t := range m.cfg.thresholds {
		st := m.disparity(t.Disparity)
		if math.IsNaN(st.value) {
			continue
		}
		// Entering a violation needs the limit crossed; leaving it needs
		// the limit crossed back by the hysteresis margin. Both are
		// decided up to rounding error (LimitTolerance): a value equal
		// to the limit in exact arithmetic is on the limit, not beyond.
		limit := t.Limit
		if m.violated[i] {
			if t.Disparity.isRatio() {
				limit += t.Hysteresis
			} else {
				limit -= t.Hysteresis
			}
		}
		bad := differenceAbove(st.value, limit)
		if t.Disparity.isRatio() {
			bad = ratioBelow(st.value, limit)
		}
		if bad == m.violated[i] {
			continue
		}
		m.violated[i] = bad
		if len(evs) == 0 {
			now = m.cfg.now()
		}
		ev := thresholdEvent{t: t, idx: i, state: "recovered", value: st.value, window: m.windowDecisions(), at: now}
		if bad {
			ev.state = "violated"
		}
		ev.min, ev.max = m.groups[st.minG].name, m.groups[st.maxG].name
		evs = append(evs, ev)
	}
	return evs
}

func (m *Monitor) windowDecisions() int64 {
	var n int64
	for g := range m.groups {
		n += m.totals[g].decisions
	}
	return n
}

// GroupStats are one group's numbers in the window.
type GroupStats struct {
	// Group holds the label of each sensitive feature (nil in FleetStats,
	// which knows groups by Name only).
	Group []string
	// Name is the group as exported in aims.fairness.group.name:
	// feature=level pairs joined by commas, e.g. "sex=F,race=A".
	Name string
	// Overflow is set when some label is OverflowLevel: the group collects
	// values beyond the declared or learnt levels.
	Overflow bool
	// Small is set when the group has fewer decisions than
	// WithMinGroupDecisions (default 30) in the window, SmallLabeled when
	// it has fewer labelled decisions: its selection rate (Small) or its
	// TPR, FPR and accuracy (SmallLabeled) are reported but take no part
	// in disparities, and a report should flag them. They are exported as
	// the gauge aims.fairness.group.small (1 when Small or SmallLabeled).
	Small, SmallLabeled bool
	// Decisions and Labeled count the group's decisions and labelled
	// decisions in the window.
	Decisions, Labeled int64
	// Counts are the confusion counts of the labelled decisions.
	Counts Counts
	// SelectionRate is over all decisions (NaN without decisions);
	// TruePositiveRate, FalsePositiveRate and Accuracy over the labelled
	// ones (NaN when their denominator is empty; in disparities such a
	// rate counts as 0.0, as in Frame and fairlearn).
	SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy float64
}

// MonitorSnapshot is the monitor's state at one moment.
type MonitorSnapshot struct {
	// Groups in the order they were first seen.
	Groups []GroupStats
	// Disparities between eligible groups (WithMinGroupDecisions); NaN
	// when fewer than two groups are eligible. They are the numbers Frame
	// and fairlearn give on the window's decisions: a group whose TPR or
	// FPR is NaN in Groups (empty denominator) takes part with 0.0, as
	// scikit-learn's zero_division gives it.
	Disparities map[Disparity]float64
	// Pending is the number of decisions waiting for a label.
	Pending int
	// Evicted counts pending decisions forgotten because of the bound,
	// Unmatched labels with no pending decision, Late labels whose
	// decision had already left the window.
	Evicted, Unmatched, Late int64
	// Limits counts, since the monitor started, the decisions that reached
	// a group bound (none is ever rejected for it).
	Limits LimitCounts
}

// LimitCounts count the decisions that reached one of the monitor's group
// bounds since it started. They are exported as the counter
// aims.fairness.limit_reached with aims.fairness.limit "levels", "groups"
// and "value_length".
type LimitCounts struct {
	// Overflow counts decisions counted in a group with an OverflowLevel.
	Overflow int64
	// Levels counts decisions with a value that is not a declared level or
	// beyond the first WithMaxLevels values of an undeclared feature.
	Levels int64
	// Groups counts decisions whose combination of levels would have
	// exceeded WithMaxGroups; they are counted in the all-overflow group.
	Groups int64
	// ValueLength counts decisions with a value truncated to the
	// WithMaxValueLength limit.
	ValueLength int64
}

// emitFinal emits the crossings Close found and hands them to the alarm
// handler; Close's turn in the alarm handler's line.
func (m *Monitor) emitFinal(ctx context.Context, events []thresholdEvent) error {
	for _, ev := range events {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.emit(context.WithoutCancel(ctx), ev)
		if m.cfg.onAlarm != nil {
			m.cfg.onAlarm(context.WithoutCancel(ctx), m.alarm(ev))
		}
	}
	return nil
}

// Close stops the monitor and hands its final state to the exporters
// before it returns: a time window is brought up to now, every threshold
// crossing that brings about is emitted as an event, the final
// window's bootstrap intervals are computed (WithFinalIntervals; exported
// as aims.fairness.interval.lower and .upper), and then the
// meter and logger providers are flushed (when they have a ForceFlush
// method, as the SDK's do), so the gauges of this final window (labelled
// decisions, TPR, FPR, accuracy per group) and the events are exported
// even if the process exits right after. The final window is reported by
// exactly one collection (that flush, or with a provider that cannot be
// flushed, such as a manual reader, its next collection); after it the
// metric callback is unregistered. Later calls to Observe, ObserveLabel
// and ObserveFinal return ErrClosed. The final crossings reach the alarm
// handler (WithAlarmHandler) after every earlier crossing, so Close first
// waits for a handler still busy with one; it does so without the
// monitor's lock, and Observe, Snapshot and metric collection go on
// meanwhile. If ctx ends before every pending event is emitted (in
// particular while a slow handler is still busy with an earlier
// crossing), Close returns ctx.Err(): the monitor is closed all the same,
// the final crossings not yet emitted are dropped, neither the final
// intervals nor the flush are done, and a handler call in flight finishes
// on its own later. A failed flush is returned as an error. Close is
// idempotent.
func (m *Monitor) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed || m.pending == nil {
		m.mu.Unlock()
		return nil
	}
	if m.ring == nil {
		m.advance()
	}
	events := m.evaluate()
	m.closed = true
	hasGroups := len(m.groups) > 0
	// Queued before mu is released, as in unlockEvaluate: the final
	// crossings reach the alarm handler after any still being handled.
	prev, done := m.queueAlarm()
	m.mu.Unlock()
	var final *MonitorIntervals
	defer func() {
		m.mu.Lock()
		m.sealed, m.final = true, final
		m.mu.Unlock()
	}()
	if prev != nil {
		select {
		case <-prev:
		case <-ctx.Done():
			// Nobody queues behind a closed monitor: giving up the
			// turn leaves no one waiting.
			close(done)
			return ctx.Err()
		}
	}
	err := m.emitFinal(ctx, events)
	close(done)
	if err != nil {
		return err
	}
	if n := m.cfg.finalReplicates; n > 0 && hasGroups {
		iv, err := m.Intervals(ctx, BootstrapConfig{Replicates: n, Seed: 1})
		if err != nil {
			return fmt.Errorf("fairness: monitor: final intervals: %w", err)
		}
		final = &iv
	}
	m.mu.Lock()
	m.sealed, m.final = true, final
	m.mu.Unlock()
	// Export the final window and the events now, not at the providers'
	// next interval: the service may exit first.
	if err := m.cfg.tel.FlushMetricsAndLogs(ctx); err != nil {
		return fmt.Errorf("fairness: monitor: final flush: %w", err)
	}
	return nil
}
