package explain

// AutoExactPlayers is the largest number of players for which [New]
// chooses exact enumeration: 2^12 = 4,096 coalitions is about twice Kernel
// SHAP's default budget (2M+2048), so up to here the exact answer costs
// no more than a sampled one.
const AutoExactPlayers = 12

// New returns the default explainer for a black-box model: exact
// enumeration ([NewExact]) for up to [AutoExactPlayers] players (features
// or groups), Kernel SHAP ([NewKernel]) beyond. Both accept the same
// options.
func New(model Model, background Matrix, opts ...Option) (Explainer, error) {
	c, err := newCore(model, background, opts)
	if err != nil {
		return nil, err
	}
	if len(c.g.players) <= AutoExactPlayers {
		return NewExact(model, background, opts...)
	}
	return NewKernel(model, background, opts...)
}
