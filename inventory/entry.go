package inventory

import (
	"sort"
	"time"
)

// Entry is one system as an inventory sees it: the latest description and
// what is known about its running instances and retirement. Both the
// process-local [Registry] and the organisation-wide [Inventory] rebuilt by
// [FromOTLP] list their systems as entries.
type Entry struct {
	// System is the latest registered description.
	System System `json:"system"`
	// Versions lists every version registered, oldest registration first.
	Versions []string `json:"versions,omitempty"`
	// RegisteredAt is when the latest description was registered.
	RegisteredAt time.Time `json:"registeredAt"`
	// LastSeen is the latest registration or heartbeat of any instance.
	LastSeen time.Time `json:"lastSeen"`
	// Instances are the running replicas that registered or sent heartbeats.
	Instances []Instance `json:"instances,omitempty"`
	// Retired is set once the system has been decommissioned and not
	// registered again since.
	Retired bool `json:"retired,omitempty"`
	// RetiredAt is when it was decommissioned.
	RetiredAt time.Time `json:"retiredAt,omitzero"`
	// RetirementReason is the reason given for decommissioning.
	RetirementReason string `json:"retirementReason,omitempty"`
}

// Instance is one running replica of a system.
type Instance struct {
	// ID is the instance identifier (attribute aims.system.instance).
	ID string `json:"id"`
	// Version is the system version the instance runs.
	Version string `json:"version"`
	// LastHeartbeat is the instance's latest heartbeat, zero if none yet.
	LastHeartbeat time.Time `json:"lastHeartbeat,omitzero"`
	// LastSeen is its latest registration or heartbeat.
	LastSeen time.Time `json:"lastSeen"`
}

// Source is anything that lists inventory entries: a [Registry] or an
// [Inventory]. [Handler] serves a Source.
type Source interface {
	// Entries returns the entries sorted by system ID.
	Entries() []Entry
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool { return es[i].System.ID < es[j].System.ID })
}

func findEntry(src Source, id string) (Entry, bool) {
	for _, e := range src.Entries() {
		if e.System.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}
