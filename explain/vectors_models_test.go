package explain

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

// This file rebuilds the reference models of testdata/vectors from their
// JSON description (see testdata/vectors/README.md): linear, logistic,
// expression trees and sklearn tree ensembles.

// vectorModel is the "model" object of a vector case.
type vectorModel struct {
	Type       string          `json:"type"`
	Weights    []float64       `json:"weights"`
	Intercept  float64         `json:"intercept"`
	ExprID     string          `json:"expr_id"`
	AST        json.RawMessage `json:"ast"`
	BaseOffset float64         `json:"base_offset"`
	Trees      []vectorTree    `json:"trees"`
}

// vectorTree is one tree of a tree_ensemble in parallel node arrays.
type vectorTree struct {
	Feature   []int     `json:"feature"`
	Threshold []float64 `json:"threshold"`
	Left      []int     `json:"left"`
	Right     []int     `json:"right"`
	Value     []float64 `json:"value"`
	Cover     []float64 `json:"cover"`
}

// buildModel returns a batch Model for the JSON model description.
func buildModel(m vectorModel, d int) (Model, error) {
	switch m.Type {
	case "linear", "logistic":
		if len(m.Weights) != d {
			return nil, fmt.Errorf("%s model has %d weights for %d features", m.Type, len(m.Weights), d)
		}
		w, c, logistic := m.Weights, m.Intercept, m.Type == "logistic"
		return Func(func(row []float64) float64 {
			z := 0.0
			for i, wi := range w {
				z += wi * row[i]
			}
			z += c
			if logistic {
				return 1 / (1 + math.Exp(-z))
			}
			return z
		}), nil
	case "expr":
		n, err := parseExpr(m.AST, d)
		if err != nil {
			return nil, err
		}
		return newExprModel(n), nil
	case "tree_ensemble":
		for ti, t := range m.Trees {
			for j, f := range t.Feature {
				if f >= d {
					return nil, fmt.Errorf("tree %d node %d splits on feature %d of %d", ti, j, f, d)
				}
			}
		}
		trees, off := m.Trees, m.BaseOffset
		return Func(func(row []float64) float64 {
			s := off
			for _, t := range trees {
				j := 0
				for t.Feature[j] >= 0 {
					if row[t.Feature[j]] <= t.Threshold[j] {
						j = t.Left[j]
					} else {
						j = t.Right[j]
					}
				}
				s += t.Value[j]
			}
			return s
		}), nil
	}
	return nil, fmt.Errorf("unknown model type %q", m.Type)
}

// exprNode is a parsed expression-tree node.
type exprNode struct {
	op   string
	idx  int
	c    float64
	kids []*exprNode
}

func parseExpr(raw json.RawMessage, d int) (*exprNode, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) == 0 {
		return nil, fmt.Errorf("expression node %s is not a non-empty array", string(raw))
	}
	var op string
	if err := json.Unmarshal(arr[0], &op); err != nil {
		return nil, fmt.Errorf("expression node %s has no operator", string(raw))
	}
	n := &exprNode{op: op}
	switch op {
	case "x":
		if len(arr) != 2 || json.Unmarshal(arr[1], &n.idx) != nil || n.idx < 0 || n.idx >= d {
			return nil, fmt.Errorf("bad variable node %s", string(raw))
		}
		return n, nil
	case "const":
		if len(arr) != 2 || json.Unmarshal(arr[1], &n.c) != nil {
			return nil, fmt.Errorf("bad constant node %s", string(raw))
		}
		return n, nil
	}
	want := map[string]int{"add": -1, "mul": -1, "sub": 2, "max": 2, "neg": 1, "square": 1, "sin": 1, "cos": 1, "tanh": 1, "exp": 1, "abs": 1}
	k, ok := want[op]
	if !ok {
		return nil, fmt.Errorf("unknown expression operator %q", op)
	}
	if (k > 0 && len(arr)-1 != k) || (k < 0 && len(arr) < 2) {
		return nil, fmt.Errorf("operator %q has %d operands", op, len(arr)-1)
	}
	for _, a := range arr[1:] {
		kid, err := parseExpr(a, d)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kid)
	}
	return n, nil
}

// exprModel evaluates an expression column-wise over a whole batch, the way
// numpy would, with scratch columns reused through a pool.
type exprModel struct {
	root *exprNode
	pool sync.Pool
}

func newExprModel(root *exprNode) *exprModel {
	return &exprModel{root: root, pool: sync.Pool{New: func() any { return new(scratch) }}}
}

type scratch struct {
	bufs     [][]float64
	top      int
	cols     []float64 // the batch, column-major
	constant []bool    // column holds one value in every row
}

func (s *scratch) get(n int) []float64 {
	if s.top == len(s.bufs) {
		s.bufs = append(s.bufs, nil)
	}
	if cap(s.bufs[s.top]) < n {
		s.bufs[s.top] = make([]float64, n)
	}
	b := s.bufs[s.top][:n]
	s.top++
	return b
}

func (s *scratch) put() { s.top-- }

func (m *exprModel) Predict(ctx context.Context, x Matrix, out []float64) error {
	if len(out) != x.Rows {
		return fmt.Errorf("output has %d slots for %d rows", len(out), x.Rows)
	}
	s := m.pool.Get().(*scratch)
	// Transpose once into contiguous columns and note which columns hold
	// one value in every row.
	n := x.Rows
	if cap(s.cols) < n*x.Cols {
		s.cols = make([]float64, n*x.Cols)
	}
	s.cols = s.cols[:n*x.Cols]
	if cap(s.constant) < x.Cols {
		s.constant = make([]bool, x.Cols)
	}
	s.constant = s.constant[:x.Cols]
	for j := 0; j < x.Cols; j++ {
		col := s.cols[j*n : (j+1)*n]
		v := x.Data[j]
		constant := true
		for r, i := 0, j; r < n; r, i = r+1, i+x.Cols {
			col[r] = x.Data[i]
			constant = constant && x.Data[i] == v
		}
		s.constant[j] = constant
	}
	if c, ok := m.root.eval(x, out, s); ok {
		for r := range out {
			out[r] = c
		}
	}
	m.pool.Put(s)
	return nil
}

// eval evaluates the node over every row of x into dst, like numpy would
// evaluate the formula column by column. A subtree whose inputs are the
// same in every row of the batch (a feature held at x's value by the
// coalition) is evaluated once: it returns (value, true) and leaves dst
// untouched.
func (n *exprNode) eval(x Matrix, dst []float64, s *scratch) (float64, bool) {
	switch n.op {
	case "x":
		if s.constant[n.idx] {
			return x.Data[n.idx], true
		}
		copy(dst, s.cols[n.idx*len(dst):(n.idx+1)*len(dst)])
		return 0, false
	case "const":
		return n.c, true
	}
	c0, k0 := n.kids[0].eval(x, dst, s)
	switch n.op {
	case "add", "mul", "sub", "max":
		acc, accConst := c0, k0
		tmp := s.get(len(dst))
		defer s.put()
		for _, k := range n.kids[1:] {
			c, kc := k.eval(x, tmp, s)
			switch {
			case accConst && kc:
				acc = binaryOp(n.op, acc, c)
			case accConst: // dst = acc ∘ tmp
				for r := range dst {
					dst[r] = acc
				}
				binaryVV(n.op, dst, tmp)
				accConst = false
			case kc: // dst = dst ∘ c
				binaryVS(n.op, dst, c)
			default:
				binaryVV(n.op, dst, tmp)
			}
		}
		return acc, accConst
	}
	if k0 {
		return unary(n.op, c0), true
	}
	switch n.op {
	case "neg":
		for r := range dst {
			dst[r] = -dst[r]
		}
	case "square":
		for r := range dst {
			dst[r] *= dst[r]
		}
	case "sin":
		for r := range dst {
			dst[r] = math.Sin(dst[r])
		}
	case "cos":
		for r := range dst {
			dst[r] = math.Cos(dst[r])
		}
	case "tanh":
		for r := range dst {
			dst[r] = math.Tanh(dst[r])
		}
	case "exp":
		for r := range dst {
			dst[r] = math.Exp(dst[r])
		}
	case "abs":
		for r := range dst {
			dst[r] = math.Abs(dst[r])
		}
	}
	return 0, false
}

func unary(op string, v float64) float64 {
	switch op {
	case "neg":
		return -v
	case "square":
		return v * v
	case "sin":
		return math.Sin(v)
	case "cos":
		return math.Cos(v)
	case "tanh":
		return math.Tanh(v)
	case "exp":
		return math.Exp(v)
	case "abs":
		return math.Abs(v)
	}
	panic("unknown unary operator " + op)
}

func binaryOp(op string, a, b float64) float64 {
	switch op {
	case "add":
		return a + b
	case "mul":
		return a * b
	case "sub":
		return a - b
	case "max":
		return math.Max(a, b)
	}
	panic("unknown binary operator " + op)
}

func binaryVS(op string, dst []float64, c float64) {
	switch op {
	case "add":
		for r := range dst {
			dst[r] += c
		}
	case "mul":
		for r := range dst {
			dst[r] *= c
		}
	case "sub":
		for r := range dst {
			dst[r] -= c
		}
	case "max":
		for r := range dst {
			dst[r] = math.Max(dst[r], c)
		}
	}
}

func binaryVV(op string, dst, tmp []float64) {
	switch op {
	case "add":
		for r := range dst {
			dst[r] += tmp[r]
		}
	case "mul":
		for r := range dst {
			dst[r] *= tmp[r]
		}
	case "sub":
		for r := range dst {
			dst[r] -= tmp[r]
		}
	case "max":
		for r := range dst {
			dst[r] = math.Max(dst[r], tmp[r])
		}
	}
}

// scalar evaluates the expression on one row, node by node: the
// reference the batch evaluator is tested against.
func (n *exprNode) scalar(x []float64) float64 {
	switch n.op {
	case "x":
		return x[n.idx]
	case "const":
		return n.c
	case "add", "mul", "sub", "max":
		acc := n.kids[0].scalar(x)
		for _, k := range n.kids[1:] {
			acc = binaryOp(n.op, acc, k.scalar(x))
		}
		return acc
	}
	return unary(n.op, n.kids[0].scalar(x))
}
