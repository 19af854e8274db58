package inventory

import "fmt"

// RiskLevel is an EU AI Act risk tier. Its string form is the value of the
// aims.risk.level attribute.
type RiskLevel string

// The EU AI Act risk tiers, from the strictest to the most lenient.
const (
	// RiskProhibited is a prohibited AI practice (Art. 5).
	RiskProhibited RiskLevel = "prohibited"
	// RiskHigh is a high-risk AI system (Art. 6(1), Art. 6(2) and Annex III).
	RiskHigh RiskLevel = "high"
	// RiskLimited is a system with transparency obligations only (Art. 50).
	RiskLimited RiskLevel = "limited"
	// RiskMinimal is a system without specific obligations under the Act.
	RiskMinimal RiskLevel = "minimal"
)

// RiskLevels lists the tiers from the strictest to the most lenient.
func RiskLevels() []RiskLevel {
	return []RiskLevel{RiskProhibited, RiskHigh, RiskLimited, RiskMinimal}
}

// ParseRiskLevel returns the tier named s or an error naming the known tiers.
func ParseRiskLevel(s string) (RiskLevel, error) {
	l := RiskLevel(s)
	if l.Valid() {
		return l, nil
	}
	return "", fmt.Errorf("inventory: unknown risk level %q (want prohibited, high, limited or minimal)", s)
}

// Valid reports whether l is one of the four tiers.
func (l RiskLevel) Valid() bool { return l.rank() > 0 }

// rank orders the tiers: a larger rank is stricter; 0 means unknown.
func (l RiskLevel) rank() int {
	switch l {
	case RiskProhibited:
		return 4
	case RiskHigh:
		return 3
	case RiskLimited:
		return 2
	case RiskMinimal:
		return 1
	}
	return 0
}

// AtLeast reports whether l is as strict as other or stricter.
func (l RiskLevel) AtLeast(other RiskLevel) bool { return l.rank() >= other.rank() }

// String returns the attribute value of the tier.
func (l RiskLevel) String() string { return string(l) }
