package aims

import "fmt"

// RiskLevel is the EU AI Act risk tier of an AI system. It is the one risk
// vocabulary of aimskit: the inventory classifies into it, the oversight
// gate routes by it, and its string form is the value of the
// aims.risk.level attribute.
type RiskLevel string

// The EU AI Act risk tiers, from the strictest to the most lenient, and
// the unspecified level.
const (
	// RiskProhibited is a prohibited AI practice (Art. 5).
	RiskProhibited RiskLevel = "prohibited"
	// RiskHigh is a high-risk AI system (Art. 6(1), Art. 6(2) and Annex III).
	RiskHigh RiskLevel = "high"
	// RiskLimited is a system with transparency obligations only (Art. 50).
	RiskLimited RiskLevel = "limited"
	// RiskMinimal is a system without specific obligations under the Act.
	RiskMinimal RiskLevel = "minimal"
	// RiskUnspecified is a system whose tier nobody has stated. Oversight
	// treats it with the care of a high-risk system (Rank 3).
	RiskUnspecified RiskLevel = ""
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
	return "", fmt.Errorf("aims: unknown risk level %q (want prohibited, high, limited or minimal)", s)
}

// Valid reports whether l is one of the four tiers (not unspecified).
func (l RiskLevel) Valid() bool {
	switch l {
	case RiskProhibited, RiskHigh, RiskLimited, RiskMinimal:
		return true
	}
	return false
}

// Rank orders the tiers for comparison: minimal 1, limited 2, high 3,
// prohibited 4. Unspecified and unknown values rank 3, as high, so that
// a system nobody classified is never treated more leniently than a
// high-risk one.
func (l RiskLevel) Rank() int {
	switch l {
	case RiskMinimal:
		return 1
	case RiskLimited:
		return 2
	case RiskProhibited:
		return 4
	default:
		return 3
	}
}

// AtLeast reports whether l is as strict as other or stricter.
func (l RiskLevel) AtLeast(other RiskLevel) bool { return l.Rank() >= other.Rank() }

// String returns the attribute value of the tier.
func (l RiskLevel) String() string { return string(l) }
