package tree

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// TestExplainerRefusesAHugeFeatureCount: a model file whose num_feature
// was edited to a billion loads (it predicts from the features its
// splits use), but an explainer refuses it with an error naming the
// bound instead of allocating a name and a value per claimed feature.
// WithMaxFeatures raises or lowers the bound.
func TestExplainerRefusesAHugeFeatureCount(t *testing.T) {
	b, err := os.ReadFile("testdata/vectors/reg_sqerr_t20_d3_f10_s101.model.json")
	if err != nil {
		t.Fatal(err)
	}
	// Without the names and types, which would have to list a billion.
	unnamed := regexp.MustCompile(`"feature_(names|types)":\[[^\]]*\]`).ReplaceAllString(string(b), `"feature_$1":[]`)
	huge := strings.ReplaceAll(unnamed, `"num_feature":"10"`, `"num_feature":"1000000000"`)
	e, err := LoadXGBoostJSON(strings.NewReader(huge))
	if err != nil {
		t.Fatalf("the edited model does not load: %v", err)
	}
	if _, err := NewPathDependent(e); err == nil || !strings.Contains(err.Error(), "WithMaxFeatures") {
		t.Fatalf("NewPathDependent on 1e9 features: %v", err)
	}
	bg := explain.Matrix{Rows: 1, Cols: e.NumFeatures()}
	if _, err := NewInterventional(e, bg); err == nil {
		t.Fatal("NewInterventional on 1e9 features: no error")
	}
	small, err := LoadXGBoostJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPathDependent(small, WithMaxFeatures(9)); err == nil {
		t.Fatal("a 10-feature model passed WithMaxFeatures(9)")
	}
	if _, err := NewPathDependent(small, WithMaxFeatures(10)); err != nil {
		t.Fatalf("a 10-feature model under WithMaxFeatures(10): %v", err)
	}
	if _, err := NewPathDependent(small, WithMaxFeatures(0)); err == nil {
		t.Fatal("WithMaxFeatures(0) accepted")
	}
}
