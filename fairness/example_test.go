package fairness_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aimskit/aimskit/fairness"
)

// twelve loan decisions for two groups.
func loanData() *fairness.Data {
	return &fairness.Data{
		YTrue: []int{1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1},
		YPred: []int{1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0},
		Sensitive: []fairness.Feature{
			fairness.NewFeature("sex", []string{"M", "M", "M", "M", "M", "M", "F", "F", "F", "F", "F", "F"}),
		},
	}
}

func ExampleNewFrame() {
	ctx := context.Background()
	f, err := fairness.NewFrame(ctx, loanData(),
		fairness.WithMetrics(fairness.SelectionRate, fairness.TruePositiveRate, fairness.FalsePositiveRate))
	if err != nil {
		log.Fatal(err)
	}
	groups, _ := f.ByGroup()
	for _, g := range groups {
		sr, _ := g.Value(fairness.SelectionRate)
		tpr, _ := g.Value(fairness.TruePositiveRate)
		fmt.Printf("%s: n=%d selection rate %.3f, TPR %.3f\n", g.Group[0], g.Counts.N, sr.Value, tpr.Value)
	}
	dpd, _ := f.DemographicParityDifference(fairness.BetweenGroups)
	dpr, _ := f.DemographicParityRatio(fairness.BetweenGroups)
	eod, _ := f.EqualizedOddsDifference(fairness.BetweenGroups, fairness.WorstCase)
	fmt.Printf("demographic parity difference %.3f, ratio %.3f\n", dpd, dpr)
	fmt.Printf("equalized odds difference %.3f\n", eod)

	p, _ := f.Privileged(map[string]string{"sex": "M"})
	fmt.Printf("disparate impact %.3f, passes four-fifths: %v\n", p.DisparateImpact, p.PassesFourFifths)
	// Output:
	// F: n=6 selection rate 0.167, TPR 0.333
	// M: n=6 selection rate 0.667, TPR 1.000
	// demographic parity difference 0.500, ratio 0.250
	// equalized odds difference 0.667
	// disparate impact 0.250, passes four-fifths: false
}

func ExampleFrame_Markdown() {
	f, err := fairness.NewFrame(context.Background(), loanData(),
		fairness.WithMetrics(fairness.SelectionRate, fairness.Accuracy), fairness.WithMinGroupSize(5))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(f.Markdown())
	// Output:
	// | sex | n | selection_rate | accuracy |
	// | --- | ---: | ---: | ---: |
	// | F | 6 | 0.1667 | 0.6667 |
	// | M | 6 | 0.6667 | 0.8333 |
	// | **overall** | 12 | 0.4167 | 0.7500 |
	// | **min** |  | 0.1667 | 0.6667 |
	// | **max** |  | 0.6667 | 0.8333 |
	// | **difference (between groups)** |  | 0.5000 | 0.1667 |
	// | **difference (to overall)** |  | 0.2500 | 0.0833 |
	// | **ratio (between groups)** |  | 0.2500 | 0.8000 |
	// | **ratio (to overall)** |  | 0.4000 | 0.8889 |
}

func ExampleBootstrap() {
	res, err := fairness.Bootstrap(context.Background(), loanData(),
		fairness.BootstrapConfig{Replicates: 200, Seed: 42},
		fairness.WithMetrics(fairness.SelectionRate))
	if err != nil {
		log.Fatal(err)
	}
	iv, _ := res.Disparity("demographic_parity_difference/between_groups")
	fmt.Printf("DP difference %.3f, 95%% interval contains it: %v\n", iv.Estimate, iv.Lower <= iv.Estimate && iv.Estimate <= iv.Upper)
	// Output:
	// DP difference 0.500, 95% interval contains it: true
}

func ExampleMonitor() {
	// In a service, pass WithMeterProvider/WithLoggerProvider (or rely on
	// the global providers) so gauges and threshold events are exported.
	m, err := fairness.NewMonitor([]string{"sex"},
		fairness.WithCountWindow(1000),
		fairness.WithMinGroupDecisions(2),
		fairness.WithThreshold(fairness.Threshold{Disparity: fairness.DemographicParityRatio, Limit: 0.8}))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close(context.Background())

	d := loanData()
	for i := range d.YPred {
		id := fmt.Sprintf("decision-%d", i)
		sex := d.Sensitive[0].Levels[d.Sensitive[0].Codes[i]]
		if err := m.Observe(id, []string{sex}, d.YPred[i]); err != nil {
			log.Fatal(err)
		}
		// Labels arrive later and are joined by decision ID.
		if err := m.ObserveLabel(id, d.YTrue[i]); err != nil {
			log.Fatal(err)
		}
	}
	s := m.Snapshot()
	for _, g := range s.Groups {
		fmt.Printf("%s: %d decisions, selection rate %.3f, TPR %.3f\n", g.Group[0], g.Decisions, g.SelectionRate, g.TruePositiveRate)
	}
	fmt.Printf("demographic parity ratio %.3f\n", s.Disparities[fairness.DemographicParityRatio])
	// Output:
	// M: 6 decisions, selection rate 0.667, TPR 1.000
	// F: 6 decisions, selection rate 0.167, TPR 0.333
	// demographic parity ratio 0.250
}

func ExampleReweigh() {
	d := &fairness.Data{
		YTrue:     []int{1, 1, 1, 0, 1, 0, 0, 0},
		Sensitive: []fairness.Feature{fairness.NewFeature("g", []string{"a", "a", "a", "a", "b", "b", "b", "b"})},
	}
	rw, err := fairness.Reweigh(context.Background(), d)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.3f\n", rw.Weights)
	// Output:
	// [0.667 0.667 0.667 2.000 2.000 0.667 0.667 0.667]
}

func ExampleFitThresholdOptimizer() {
	d := &fairness.Data{
		YTrue:     []int{1, 1, 0, 0, 1, 1, 0, 0},
		YScore:    []float64{0.9, 0.8, 0.7, 0.1, 0.6, 0.4, 0.3, 0.2},
		Sensitive: []fairness.Feature{fairness.NewFeature("g", []string{"a", "a", "a", "a", "b", "b", "b", "b"})},
	}
	opt, err := fairness.FitThresholdOptimizer(context.Background(), d, fairness.DemographicParityConstraint)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range opt.Policies() {
		fmt.Printf("%s: selection rate %.2f\n", p.Group[0], p.SelectionRate)
	}
	pa, _ := opt.ProbPositive([]string{"a"}, 0.85)
	pb, _ := opt.ProbPositive([]string{"b"}, 0.45)
	fmt.Printf("P(positive | a, 0.85) = %.2f, P(positive | b, 0.45) = %.2f\n", pa, pb)
	// Output:
	// a: selection rate 0.50
	// b: selection rate 0.50
	// P(positive | a, 0.85) = 1.00, P(positive | b, 0.45) = 1.00
}

// Three replicas of a service each run a monitor; a collector or backend
// sums their aims.fairness.cumulative.* points per group, and the fleet's
// fairness is computed from the sums with the monitor's own code.
func ExampleFleetStatsOf() {
	replicaCounts := func(m *fairness.Monitor, first int) []fairness.GroupCounts {
		for i := first; i < first+40; i++ {
			// The model approves half of the women and half of the men.
			sex, pred := "F", i%2
			if i%4 >= 2 {
				sex, pred = "M", i%4/3
			}
			id := fmt.Sprint("d", i)
			if err := m.Observe(id, []string{sex}, pred); err != nil {
				log.Fatal(err)
			}
			if sex == "F" && i%8 == 1 {
				// A reviewer overturns half of the women's approvals.
				if err := m.ObserveFinal(id, 0); err != nil {
					log.Fatal(err)
				}
			}
		}
		return m.CumulativeCounts() // in production: the exported counters
	}
	var parts [][]fairness.GroupCounts
	for r := range 3 {
		m, err := fairness.NewMonitor([]string{"sex"}, fairness.WithGroupLevels("sex", "F", "M"))
		if err != nil {
			log.Fatal(err)
		}
		parts = append(parts, replicaCounts(m, 40*r))
	}
	fleet, err := fairness.SumGroupCounts(parts...)
	if err != nil {
		log.Fatal(err)
	}
	fs, err := fairness.FleetStatsOf(fleet, 30)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range fs.Groups {
		fmt.Printf("%s: %d decisions, selection rate %.2f\n", g.Name, g.Decisions, g.SelectionRate)
	}
	fmt.Printf("demographic parity ratio %.2f\n", fs.Disparities[fairness.DemographicParityRatio])
	// Output:
	// sex=F: 60 decisions, selection rate 0.25
	// sex=M: 60 decisions, selection rate 0.50
	// demographic parity ratio 0.50
}
