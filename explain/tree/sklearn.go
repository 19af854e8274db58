package tree

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// sklearnEnsemble is the tree-ensemble JSON used by aimskit's explain test
// vectors: scikit-learn trees exported as parallel node arrays.
type sklearnEnsemble struct {
	Type       string        `json:"type"`
	BaseOffset *float64      `json:"base_offset"`
	NumTrees   *int          `json:"num_trees"`
	Trees      []sklearnTree `json:"trees"`
	// NumFeatures is optional; when absent it is one more than the largest
	// split feature.
	NumFeatures int `json:"num_features"`
}

type sklearnTree struct {
	Feature   []int     `json:"feature"`
	Threshold []float64 `json:"threshold"`
	Left      []int     `json:"left"`
	Right     []int     `json:"right"`
	Value     []float64 `json:"value"`
	Cover     []float64 `json:"cover"`
}

// LoadSklearnJSON reads a scikit-learn tree ensemble exported as JSON:
//
//	{"type": "tree_ensemble", "base_offset": 0.49, "trees": [
//	  {"feature": [...], "threshold": [...], "left": [...], "right": [...],
//	   "value": [...], "cover": [...]}, ...]}
//
// f(x) = base_offset + Σ_trees value[leaf(x)], where a row goes left iff
// x[feature] <= threshold (compared in float64) and feature == -1 marks a
// leaf. Values must already be scaled (GradientBoosting: × learning_rate;
// RandomForest: ÷ n_estimators). The object may also be wrapped as
// {"model": {...}, "num_features": M}, the layout of the explain test cases.
// NaN is not a scikit-learn missing value marker here: x <= t is false, so
// NaN goes right.
func LoadSklearnJSON(r io.Reader) (*Ensemble, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tree: sklearn model: read: %w", err)
	}
	var wrapper struct {
		Model       *sklearnEnsemble `json:"model"`
		NumFeatures int              `json:"num_features"`
	}
	if err := json.Unmarshal(data, &wrapper); err != nil {
		return nil, fmt.Errorf("tree: sklearn model: malformed JSON: %w", err)
	}
	var m sklearnEnsemble
	if wrapper.Model != nil {
		m = *wrapper.Model
		if m.NumFeatures == 0 {
			m.NumFeatures = wrapper.NumFeatures
		}
	} else if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("tree: sklearn model: malformed JSON: %w", err)
	}
	return m.build()
}

func (m *sklearnEnsemble) build() (*Ensemble, error) {
	if m.Type != "" && m.Type != "tree_ensemble" {
		return nil, unsupported("sklearn model type %q (want \"tree_ensemble\")", m.Type)
	}
	if m.BaseOffset == nil {
		return nil, errors.New("tree: sklearn model: no base_offset")
	}
	if len(m.Trees) == 0 {
		return nil, errNoTrees
	}
	if m.NumTrees != nil && *m.NumTrees != len(m.Trees) {
		return nil, fmt.Errorf("tree: sklearn model: num_trees is %d but %d trees are stored", *m.NumTrees, len(m.Trees))
	}
	numFeatures := m.NumFeatures
	if numFeatures == 0 {
		for _, t := range m.Trees {
			for _, f := range t.Feature {
				if f+1 > numFeatures {
					numFeatures = f + 1
				}
			}
		}
	}
	spec := Spec{
		Trees:         make([]Tree, len(m.Trees)),
		NumFeatures:   numFeatures,
		Intercept:     []float64{*m.BaseOffset},
		Rule:          LessEqual,
		Transform:     Identity,
		ObjectiveName: "sklearn",
	}
	for t, st := range m.Trees {
		n := len(st.Feature)
		if len(st.Left) != n {
			return nil, fmt.Errorf("tree: sklearn model: tree %d has %d features but %d left children", t, n, len(st.Left))
		}
		// A leaf is marked by feature == -1; make Left agree so that New
		// sees the same structure.
		left := make([]int, n)
		copy(left, st.Left)
		for i, f := range st.Feature {
			if f == -1 {
				left[i] = -1
			} else if st.Left[i] == -1 {
				return nil, fmt.Errorf("tree: sklearn model: tree %d node %d splits on feature %d but has no children", t, i, f)
			}
		}
		spec.Trees[t] = Tree{
			Left: left, Right: st.Right, Feature: st.Feature, Threshold: st.Threshold,
			Value: st.Value, Cover: st.Cover,
		}
	}
	e, err := New(spec)
	if err != nil {
		return nil, fmt.Errorf("%w (sklearn model)", err)
	}
	return e, nil
}
