package tree_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/explain/tree"
)

// A two-tree model in XGBoost's JSON format (what Booster.save_model
// writes), reduced to the fields the loader reads.
const tinyXGBoost = `{"learner":{
 "feature_names":["income","debt"],"feature_types":["float","float"],
 "learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},
 "objective":{"name":"binary:logistic"},
 "gradient_booster":{"name":"gbtree","model":{
  "gbtree_model_param":{"num_trees":"2","num_parallel_tree":"1","size_leaf_vector":"0"},
  "tree_info":[0,0],
  "trees":[
   {"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],
    "split_conditions":[5E1,-8E-1,6E-1],"default_left":[1,0,0],"split_type":[0,0,0],
    "sum_hessian":[1E2,4E1,6E1],"tree_param":{"num_nodes":"3","size_leaf_vector":"0"}},
   {"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[1,0,0],
    "split_conditions":[2E1,3E-1,-5E-1],"default_left":[0,0,0],"split_type":[0,0,0],
    "sum_hessian":[1E2,7E1,3E1],"tree_param":{"num_nodes":"3","size_leaf_vector":"0"}}]}}},
 "version":[1,7,4]}`

// Load an XGBoost model and predict margins and probabilities.
func ExampleLoadXGBoostJSON() {
	m, err := tree.LoadXGBoostJSON(strings.NewReader(tinyXGBoost))
	if err != nil {
		log.Fatal(err)
	}
	row := []float64{42, 35} // income below the split, debt above it
	margin, prob := []float64{0}, []float64{0}
	if err := m.PredictMargin(row, margin); err != nil {
		log.Fatal(err)
	}
	if err := m.PredictOutput(row, prob); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d trees, margin %.2f, probability %.3f\n", m.ObjectiveName(), m.NumTrees(), margin[0], prob[0])
	// Output: binary:logistic: 2 trees, margin -1.30, probability 0.214
}

// Explain one prediction with path-dependent TreeSHAP and turn it into
// reason codes. The values are in margin (log-odds) space and add up to the
// margin.
func ExampleNewPathDependent() {
	m, err := tree.LoadXGBoostJSON(strings.NewReader(tinyXGBoost))
	if err != nil {
		log.Fatal(err)
	}
	ex, err := tree.NewPathDependent(m)
	if err != nil {
		log.Fatal(err)
	}
	e, err := ex.Explain(context.Background(), []float64{42, 35})
	if err != nil {
		log.Fatal(err)
	}
	for i, name := range e.FeatureNames {
		fmt.Printf("%s %+.3f\n", name, e.Values[i])
	}
	fmt.Printf("base %.3f + sum = margin %.3f (link %s, probability %.3f)\n", e.BaseValue, e.Prediction, e.Link, e.Output)
	// A low score is adverse for this applicant.
	reasons, err := explain.ReasonCodes(e, explain.ReasonOptions{TopK: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("reasons:", explain.Codes(reasons))
	// Output:
	// income -0.840
	// debt -0.560
	// base 0.100 + sum = margin -1.300 (link logit, probability 0.214)
	// reasons: [income debt]
}

// Interventional TreeSHAP explains against a background set, here in
// probability space.
func ExampleNewInterventional() {
	m, err := tree.LoadXGBoostJSON(strings.NewReader(tinyXGBoost))
	if err != nil {
		log.Fatal(err)
	}
	background := explain.Matrix{Rows: 3, Cols: 2, Data: []float64{
		30, 10,
		60, 25,
		80, 5,
	}}
	ex, err := tree.NewInterventional(m, background, tree.WithOutputSpace())
	if err != nil {
		log.Fatal(err)
	}
	e, err := ex.Explain(context.Background(), []float64{42, 35})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("income %+.4f debt %+.4f base %.4f prediction %.4f\n", e.Values[0], e.Values[1], e.BaseValue, e.Prediction)
	// Output: income -0.2110 debt -0.1127 base 0.5378 prediction 0.2142
}
