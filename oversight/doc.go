// Package oversight puts humans in the loop of an AI system's decisions
// (ISO/IEC 42001 Annex A.9 use of AI systems, A.3.2 roles; EU AI Act
// Art. 14 human oversight, Art. 86 and GDPR Art. 22 contest and
// explanation).
//
// # Gate
//
// A [Gate] routes each candidate decision by a [Policy] to apply
// (automatic), review (hold for a human) or block. Built-in policies
// ([RiskAtLeast], [ScoreBand], [AdverseOutcome], [Sample], [FeatureRule],
// [Always]) combine with [Strictest]; custom policies are plain functions.
// A held decision becomes a [Ticket] with a deadline. The caller waits
// ([Gate.Await]), polls ([Gate.Status]) or is called back
// ([WithOnResolved]). At a deadline the ticket escalates to the next
// reviewer level ([WithDeadlines]); at the last, the fail-safe applies
// ([FailSafeDeny] by default, or [FailSafeHold]) — never a silent
// approval.
//
// Reviewers approve, reject or override ([Gate.Override] needs a new
// output, one the system declares, and a reason) under an [Authorizer]:
// [RoleBased], [FourEyes] (nobody reviews what they submitted; high-risk
// decisions need two distinct reviewers), [SegregationOfDuties], combined
// with [AllOf]. [Gate.Halt] is the stop button for the systems the Gate
// knows ([WithSystems], or [Force]), [Gate.Contest] lets the affected
// person contest any decision the Gate routed, found by its ID like
// [Gate.Decision] does, and [Console] is the reviewers' web console.
// With [WithIncidents], a halt and a contest that changes the decision open
// an incident in the system's aims.IncidentBook.
//
// The review queue is bounded ([WithMaxOpenTickets], default
// [DefaultMaxOpenTickets] open tickets): beyond it Submit refuses a
// decision the policy holds, and Contest a contest, with [ErrQueueFull]
// (nothing stored, recorded or applied). Held decisions may take nine
// tenths of the bound; the last tenth is kept for contests, so a flood of
// held decisions cannot keep people from contesting theirs. One person (a
// decision's Subject) may have at most [DefaultMaxOpenContestsPerSubject]
// open contests ([WithMaxOpenContestsPerSubject]); beyond it Contest
// refuses with [ErrTooManyContests], so that one client cannot spend the
// contests' tenth.
//
// # Votes and resolutions
//
// Each reviewer action is a [Vote]. A ticket resolves only when the
// required number of distinct reviewers (Authorizer.RequiredApprovals:
// two under FourEyes for high-risk systems) agree on the same action and
// the same output at the ticket's current escalation level: two approvals,
// two rejections, or two overrides to the same output. Identities are
// compared after [NormalizeID] (trimmed, lower-cased), so "R1" and "r1"
// are one reviewer, and nobody votes twice on a ticket, at any level. A
// vote that differs from an earlier vote at the same level (approve
// against reject, or overrides to different outputs) resolves nothing: it
// escalates the ticket to the next level with a fresh deadline, recorded
// as an escalate record naming the conflicting votes, and only votes cast
// at the new level count from then on. A vote that does not resolve the
// ticket leaves the Outcome Pending and is recorded with the
// aims.oversight.approvals attribute ("1 of 2"); a resolution never
// carries it. An approval applies the model's output; an override applies
// the reviewers' output, with the declared outcome's Adverse flag and the
// model's output as OriginalOutput; a rejection applies nothing: the
// affected person gets the reject output ([WithRejectOutput], by default
// "referred": the case goes to handling outside the automated system),
// recorded with the model's output as OriginalOutput. A decision has at
// most one open contest ([ErrAlreadyContested]), and nobody who submitted
// the decision or voted on it or on an earlier contest of it may review
// the contest. The
// Promela model in oversight/model checks these rules with Spin.
//
// # Stores
//
// Tickets live in a [Store]: [MemoryStore] for tests and single processes,
// oversight/boltstore (an embedded bbolt file) for a single instance whose
// queue must survive restarts (it serves one replica), and
// oversight/postgres for many replicas sharing one queue, halts and
// contests: a halt or resume pressed on any replica reaches every
// replica's Submit within [WithHaltRefresh] (1s by default, at once with
// 0). The durable stores are sub-packages so that importing
// oversight brings no database driver. The conformance suite in
// oversight/storetest runs against all three.
//
// # Evidence
//
// Every state change is written to the [Recorder] (normally the aims
// decision log): the routed decision, each reviewer action with reviewer,
// reason and latency, escalations, expiries, halts and contests, linked to
// the original decision by RelatedDecisionID.
//
// Free text people write (a contest's grounds, a reviewer's reason, the
// reason for a halt or a resume) may hold personal data. It is kept in
// the Recorder's records (with the aims decision log: in the ledger) and
// shown to reviewers, but it is in no span, no event attribute and no
// OpenTelemetry log body (see aims.OversightOutcome.PersonalReason). The
// reasons the Gate or a Policy write themselves (routing verdicts,
// escalations at a deadline or on conflicting votes, fail-safes) are
// emitted.
//
// A reviewer action, escalation, expiry or contest changes the ticket in
// the [Store] first, and the same atomic write stores the records of the
// change on the ticket ([Ticket].Unrecorded, with fresh IDs fixed from
// then on). The Gate then writes them to the Recorder, and only after
// that attempt wakes the waiters ([Gate.Await]) and calls
// [WithOnResolved]; waiters are woken whether or not the write succeeded,
// since the change stands in the store. Records written are removed from
// the ticket; for a held decision and a reviewer action, with a store
// that is a [DeferredUpdater] (oversight/boltstore) and a Recorder that is
// a [DurableFinder] finding every recorded decision, that removal is
// committed with the store's next write instead of a commit of its own, so
// a crash may leave written records listed until a Sweep finds them in
// the Recorder and removes them without writing them again. What a failed write leaves there, or a crash between the
// store's commit and the write, [Gate.Sweep] writes later (the background
// sweeper does it every [WithSweepInterval]), from any Gate on the same
// store, under the same record IDs, and asks the Recorder first when it is
// a [DecisionFinder] (aims.System is), so the decision log ends up with
// exactly one copy of each record; when that lookup fails with anything
// but "no such decision" the record stays for a later Sweep. A record the
// Recorder emitted as telemetry although it failed to keep it (its error
// wraps aims.ErrNotLedgered) is written again with
// [EmittedRecorder].RecordEmitted, so it is emitted and counted once. The caller of the action still gets
// the Recorder's error. The store must be an [UnrecordedLister] (the three
// built-in ones are; [New] refuses one that is not). What is not covered:
// a store whose data is lost loses
// them with it; a Recorder that is not a DecisionFinder may get a record
// twice (same ID) if it kept a write it reported as failed; a decision
// [Gate.Submit] applies or blocks is not covered (Submit returns the error
// and applies nothing), except that one the Recorder emitted as applied
// although it could not keep it (aims.ErrNotLedgered) gets a follow-up
// record (action block) saying it was not applied, and both records are
// kept on its routed ticket for Sweep, and one it emitted as blocked is
// kept there too; one it holds is covered: its record is stored with
// its ticket; a halt or resume is stored with a closed ticket of
// [KindHalt] that holds its record ([HaltTicketStore]; with a HaltStore
// that is not one, a crash between the change and that ticket loses the
// record); and until a Sweep succeeds
// the ledger lags behind the store, which a reader of the ledger alone
// does not see. It is also emitted as
// OpenTelemetry spans, events (log records carrying aims.control.id:
// A.9.2, A.3.2 for refused attempts, A.8.3 for contests) and metrics:
// queue depth, time to review, override and agreement rates (an
// automation-bias signal), expired tickets, escalations, halts and refused
// attempts. A refused attempt (unknown ticket, acting twice, override
// without reason, missing role, reviewing one's own decision, expired
// ticket, approving a held decision of a halted system) returns an error saying what was wrong, is emitted as an event,
// counted, passed to the Recorder if it is an [AttemptRecorder], and
// changes nothing.
//
// # Integration tests
//
// The PostgreSQL and browser tests run when AIMSKIT_POSTGRES_DSN and
// AIMSKIT_CHROMIUM are set:
//
//	export AIMSKIT_POSTGRES_DSN="$(bash .ci/postgres.sh start)"
//	export AIMSKIT_CHROMIUM="$(bash .ci/chromium.sh)"
//	go test -race ./oversight/...
//	bash .ci/postgres.sh stop
package oversight
