package aims

import (
	"fmt"
	"strconv"
	"strings"
)

// The scale that impact assessments and the risk register rate on: a
// likelihood and an impact (a harm's severity), five points each, whose
// product is a score from 1 to 25. In files each point is written by its
// name ("likely") or its number (4).

// Likelihood is how likely a harm or risk is to occur, 1 (rare) to 5
// (almost certain). The zero value is "not rated".
type Likelihood int

// The likelihood points.
const (
	LikelihoodRare          Likelihood = 1 // may occur only in exceptional circumstances
	LikelihoodUnlikely      Likelihood = 2 // could occur, not expected
	LikelihoodPossible      Likelihood = 3 // might occur at some time
	LikelihoodLikely        Likelihood = 4 // will probably occur
	LikelihoodAlmostCertain Likelihood = 5 // is expected to occur in most circumstances
)

var likelihoodNames = [...]string{"", "rare", "unlikely", "possible", "likely", "almost_certain"}

// Impact is how severe the consequence of a harm or risk is, 1
// (negligible) to 5 (severe). A harm's severity is an Impact. The zero
// value is "not rated".
type Impact int

// The impact points.
const (
	ImpactNegligible Impact = 1 // no lasting effect on anyone
	ImpactMinor      Impact = 2 // an inconvenience, easily reversed
	ImpactModerate   Impact = 3 // a real detriment, reversible with effort
	ImpactMajor      Impact = 4 // a serious detriment, hard to reverse
	ImpactSevere     Impact = 5 // irreversible harm, to health, life, liberty or livelihood
)

var impactNames = [...]string{"", "negligible", "minor", "moderate", "major", "severe"}

// Valid reports whether l is one of the five points.
func (l Likelihood) Valid() bool { return l >= 1 && l <= 5 }

// String returns the name of the point ("likely"), or the number when it
// is off the scale.
func (l Likelihood) String() string {
	if l.Valid() {
		return likelihoodNames[l]
	}
	return strconv.Itoa(int(l))
}

// MarshalText writes the point's name.
func (l Likelihood) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("likelihood %d is not on the scale 1–5", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a point's name (rare, unlikely, possible, likely,
// almost_certain) or its number 1–5.
func (l *Likelihood) UnmarshalText(b []byte) error {
	n, err := scalePoint(string(b), likelihoodNames[:])
	if err != nil {
		return fmt.Errorf("unknown likelihood %q; want %s", b, scaleList(likelihoodNames[:]))
	}
	*l = Likelihood(n)
	return nil
}

// Valid reports whether i is one of the five points.
func (i Impact) Valid() bool { return i >= 1 && i <= 5 }

// String returns the name of the point ("major"), or the number when it is
// off the scale.
func (i Impact) String() string {
	if i.Valid() {
		return impactNames[i]
	}
	return strconv.Itoa(int(i))
}

// MarshalText writes the point's name.
func (i Impact) MarshalText() ([]byte, error) {
	if !i.Valid() {
		return nil, fmt.Errorf("impact %d is not on the scale 1–5", int(i))
	}
	return []byte(i.String()), nil
}

// UnmarshalText reads a point's name (negligible, minor, moderate, major,
// severe) or its number 1–5.
func (i *Impact) UnmarshalText(b []byte) error {
	n, err := scalePoint(string(b), impactNames[:])
	if err != nil {
		return fmt.Errorf("unknown impact %q; want %s", b, scaleList(impactNames[:]))
	}
	*i = Impact(n)
	return nil
}

func scalePoint(s string, names []string) (int, error) {
	s = strings.TrimSpace(s)
	for n := 1; n < len(names); n++ {
		if strings.EqualFold(s, names[n]) || s == strconv.Itoa(n) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("off the scale")
}

func scaleList(names []string) string {
	return strings.Join(names[1:len(names)-1], ", ") + " or " + names[len(names)-1] + " (or 1–5)"
}

// RiskScore is a likelihood times an impact, 1 to 25.
type RiskScore int

// Band names the score's band: "low" (1–4), "medium" (5–9), "high"
// (10–16) or "critical" (20–25); "unrated" for 0. The bands are those of
// the usual 5×5 matrix; an organisation's acceptance threshold (see
// [RiskRegister]) is stated as a score, not a band.
func (s RiskScore) Band() string {
	switch {
	case s <= 0:
		return "unrated"
	case s <= 4:
		return "low"
	case s <= 9:
		return "medium"
	case s <= 16:
		return "high"
	}
	return "critical"
}

// RiskRating is a rating on the scale: a likelihood and an impact.
type RiskRating struct {
	// Likelihood is how likely the risk is to occur.
	Likelihood Likelihood `json:"likelihood"`
	// Impact is how severe its consequence would be.
	Impact Impact `json:"impact"`
}

// Score returns Likelihood × Impact, or 0 when either is not on the scale.
func (r RiskRating) Score() RiskScore {
	if !r.Likelihood.Valid() || !r.Impact.Valid() {
		return 0
	}
	return RiskScore(int(r.Likelihood) * int(r.Impact))
}

// String formats the rating as "likely × major = 16 (high)".
func (r RiskRating) String() string {
	s := r.Score()
	return fmt.Sprintf("%s × %s = %d (%s)", r.Likelihood, r.Impact, int(s), s.Band())
}

// check validates both points of a rating at path.
func (r RiskRating) check(v *validator, path string) {
	if !r.Likelihood.Valid() {
		v.add(path+".likelihood", "is required (%s)", scaleList(likelihoodNames[:]))
	}
	if !r.Impact.Valid() {
		v.add(path+".impact", "is required (%s)", scaleList(impactNames[:]))
	}
}
