package main

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Applicant is one loan application.
type Applicant struct {
	CustomerID   string  `json:"customer_id"`
	Age          float64 `json:"age"`
	Income       float64 `json:"income"`      // yearly, EUR
	Debt         float64 `json:"debt"`        // outstanding, EUR
	TermMonths   float64 `json:"term_months"` // requested loan term
	Amount       float64 `json:"amount"`      // requested amount, EUR
	YearsEmploy  float64 `json:"years_employed"`
	LatePayments float64 `json:"late_payments"` // in the last 24 months
	Region       string  `json:"region"`        // "north" or "south"
	Sex          string  `json:"sex"`           // sensitive: used for fairness monitoring only
}

// featureNames are the model's inputs, in order.
var featureNames = []string{"age", "income", "debt", "term_months", "amount", "years_employed", "late_payments"}

func (a Applicant) features() []float64 {
	return []float64{a.Age, a.Income, a.Debt, a.TermMonths, a.Amount, a.YearsEmploy, a.LatePayments}
}

// population draws synthetic but plausible applicants. shift moves the
// income distribution (a drift episode) and biasSouth makes the recorded
// repayment worse for one region, so a model learns an unfair pattern.
type population struct {
	rng       *rand.Rand
	shift     float64
	biasSouth float64
}

func newPopulation(seed uint64) *population {
	return &population{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), biasSouth: 0.9}
}

func (p *population) applicant(i int) Applicant {
	r := p.rng
	age := 21 + r.Float64()*45
	years := math.Max(0, math.Min(age-20, r.ExpFloat64()*6))
	region := "north"
	if r.Float64() < 0.4 {
		region = "south"
	}
	income := math.Exp(10.4+0.35*r.NormFloat64()) * (1 + 0.01*years) * (1 + p.shift)
	if region == "south" {
		// Lower incomes in the south: the model never sees the region, but
		// income is a proxy for it, so approvals differ by region.
		income *= 0.72
	}
	sex := "female"
	if r.Float64() < 0.5 {
		sex = "male"
	}
	return Applicant{
		CustomerID:   "cust-" + strconv.Itoa(i),
		Age:          math.Round(age),
		Income:       math.Round(income),
		Debt:         math.Round(math.Max(0, income*0.3*r.ExpFloat64())),
		TermMonths:   []float64{12, 24, 36, 48, 60}[r.IntN(5)],
		Amount:       math.Round(2000 + r.Float64()*28000),
		YearsEmploy:  math.Round(years*10) / 10,
		LatePayments: float64(poisson(r, 0.6)),
		Region:       region,
		Sex:          sex,
	}
}

// repaid is the synthetic ground truth: whether the applicant repays.
func (p *population) repaid(a Applicant) bool {
	z := 2.2 + 0.9*math.Log(a.Income/35000) - 1.6*a.Debt/a.Income - 0.55*a.LatePayments +
		0.05*a.YearsEmploy - 0.9*a.Amount/a.Income - 0.004*(a.TermMonths-36)
	if a.Region == "south" {
		z -= p.biasSouth // historical data encodes a regional disadvantage
	}
	return p.rng.Float64() < 1/(1+math.Exp(-z))
}

func poisson(r *rand.Rand, lambda float64) int {
	l, k, prod := math.Exp(-lambda), 0, r.Float64()
	for prod > l {
		k++
		prod *= r.Float64()
	}
	return k
}
