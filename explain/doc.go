// Package explain attributes a model's predictions to its input features
// and tells people what would change an outcome: the explanation duties of
// ISO/IEC 42001 Annex A.8.2 and of EU AI Act Art. 13(3)(b)(iv) and Art. 86.
//
// # Shapley values
//
// Every explainer implements [Explainer] and returns an [Explanation]:
// a base value, one value per feature (or feature group), the prediction,
// the method and a per-value standard error. The game is interventional:
// v(S) is the (weighted) mean model output over a background set with the
// features in S taken from the explained row, optionally through a logit
// link ([WithLink]) so that a probability model is explained on its
// log-odds. base + Σ values = prediction always holds to rounding; Exact
// says whether the values are the exact Shapley values.
//
//   - [New] picks exact enumeration for up to [AutoExactPlayers] players
//     and Kernel SHAP beyond;
//   - [NewExact] enumerates all 2^M coalitions;
//   - [NewKernel] is Kernel SHAP with shap 0.46's coalition plan and its
//     additivity-constrained weighted least squares; exact when the budget
//     covers every coalition;
//   - [NewPermutation] averages antithetic permutations, with standard
//     errors and a convergence stop;
//   - [NewLinear] is the closed form of linear and logistic models.
//
// Tree ensembles have their own exact algorithms in explain/tree.
// [NewLIME] is LIME (Ribeiro, Singh & Guestrin 2016), a kernel-weighted
// ridge surrogate on perturbations of the row, for when a local linear
// approximation rather than Shapley values is wanted.
// [WithGroups] makes a block of columns (a one-hot category) one player.
// [SummarizeBackground] shrinks a large background by weighted k-means.
//
// Models are evaluated in batches ([Model]); explainers hand whole blocks
// of rows to the model from GOMAXPROCS goroutines and build those blocks
// incrementally, so the per-coalition work is the model call itself.
//
// # Reasons and counterfactuals
//
// [ReasonCodes] turns an explanation into ranked, worded reasons for an
// adverse-action notice. [Counterfactuals] finds diverse, minimal changes
// to an input that reach a goal without ever violating immutable, range,
// monotone, integer or categorical constraints.
//
// # Into a decision record
//
// [Explanation.Record] returns the explanation in the decision record's
// shape (aims.Explanation is the same type), with the reasons and the
// counterfactuals worded for the person affected, so a service needs no
// conversion code:
//
//	e, _ := explainer.Explain(ctx, x)
//	reasons, _ := explain.ReasonCodes(e, explain.ReasonOptions{Descriptions: descs, Input: x, Reference: means})
//	cf, _ := explain.Counterfactuals(ctx, model, x, explain.Above(0.5), explain.CounterfactualOptions{
//		FeatureNames: names, Constraints: cons, Outcome: "approve", OutcomeText: "approved"})
//	d.Explanation = e.Record(reasons, cf.Counterfactuals...)
//
// A counterfactual's Summary reads "approved if income ≥ 52,100 and debt ≤
// 3,000", its numbers rounded away from the original values so that the
// sentence asks for at least the change the search found.
//
// # Options and telemetry
//
// Explainers take [Option] values; an option given a bad argument makes
// the constructor fail with an error that names it. [ReasonOptions] and
// [CounterfactualOptions] are plain structs: they are the parameters of
// one computation, not the configuration of a long-lived component.
//
// Each explanation and counterfactual search is one OpenTelemetry span
// (method, number of features, background size, model evaluations and the
// names — never the values — of the top features), and explainers count
// and time explanations. [WithTracerProvider] and [WithMeterProvider]
// choose the providers (for a search, pass them after its parameters);
// without them, or with nil, the global providers are used.
package explain
