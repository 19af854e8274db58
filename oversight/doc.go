// Package oversight puts humans in the loop of an AI system's decisions
// (ISO/IEC 42001 Annex A.9 use of AI systems, A.3.2 roles; EU AI Act
// Art. 14 human oversight, Art. 86 and GDPR Art. 22 contest and
// explanation).
//
// A [Gate] routes each candidate decision by a [Policy] to apply
// (automatic), review (hold for a human) or block. A held decision becomes
// a [Ticket] with a deadline in a [Store] (in memory, an embedded bbolt
// file, or PostgreSQL in oversight/postgres for many replicas sharing one
// queue). Reviewers approve, reject or override tickets under an
// [Authorizer] (roles, four-eyes, segregation of duties); at a deadline the
// ticket escalates to the next reviewer level and, at the last level, a
// fail-safe applies (deny, or keep holding) — never a silent approval.
// [Gate.Halt] is the stop button, [Gate.Contest] lets the affected person
// contest a decision, and [Console] is the reviewers' web console.
//
// Every state change is written to the [Recorder] (normally the aims
// decision log) and emitted as OpenTelemetry spans, events (log records
// carrying aims.control.id) and metrics: queue depth, time to review,
// override and agreement rates, expired tickets, halts and refused
// attempts.
package oversight
