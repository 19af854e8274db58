package tree

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A gblinear model whose num_class makes (num_feature+1)·num_class wrap
// around to the number of weights: 4·(2^62+1) = 2^64+4 ≡ 4. The loader
// checked that product only, then sliced the weights at num_feature ×
// num_class, which wrapped to a negative index: a hostile .json or .ubj
// file made LoadXGBoost panic. It is now an error, from both formats.
func TestXGBoostLinearOverflowingGroups(t *testing.T) {
	const model = `{"learner":{"learner_model_param":{"base_score":"5E-1","num_class":"4611686018427387905","num_feature":"3","num_target":"1"},
"objective":{"name":"multi:softprob"},
"gradient_booster":{"name":"gblinear","model":{"weights":[1,2,3,4]}}},"version":[2,1,0]}`
	d := json.NewDecoder(strings.NewReader(model))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var ubj bytes.Buffer
	ubjEncode(&ubj, doc)
	for name, data := range map[string][]byte{"json": []byte(model), "ubjson": ubj.Bytes()} {
		e, err := LoadXGBoost(bytes.NewReader(data))
		if e != nil || err == nil || !strings.Contains(err.Error(), "4 weights for 3 features × 4611686018427387905 output groups") {
			t.Errorf("%s: model %v, error %v; want the weight count refused", name, e, err)
		}
	}
}
