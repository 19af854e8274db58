// Package tree loads tree-ensemble models and explains their predictions
// with TreeSHAP, without a Python sidecar.
//
// # Models
//
// [LoadXGBoostFile] and [LoadXGBoost] read XGBoost models saved with
// Booster.save_model (JSON or UBJSON, XGBoost 1.7 and later, optionally
// gzipped); [LoadLightGBMFile] and [LoadLightGBM] read LightGBM text models
// (Booster.save_model, numerical and categorical splits, all three missing
// types); [LoadSklearnJSON] reads scikit-learn trees exported as JSON;
// [New] builds an [Ensemble] from plain node arrays. An Ensemble predicts
// exactly as the training library does: for XGBoost models row values are
// rounded to float32, float32(x) < threshold goes left (a value equal to the
// threshold goes right), a missing value (NaN) takes the node's default
// direction, and margins are summed in float32 in file order, which
// reproduces XGBoost's output_margin bit for bit. Outputs are the margins
// put through the objective's transform, as XGBoost's predict gives them:
//
//	objective                                   margin intercept    output
//	reg:squarederror, reg:absoluteerror,        base_score          margin
//	  reg:pseudohubererror, reg:squaredlogerror,
//	  reg:quantileerror (one target per
//	  quantile), rank:pairwise/ndcg/map,
//	  binary:logitraw
//	binary:logistic, reg:logistic               logit(base_score)   sigmoid
//	binary:hinge                                base_score          1 if margin > 0, else 0
//	count:poisson, reg:gamma, reg:tweedie,      log(base_score)     exp(margin)
//	  survival:cox (hazard ratio),
//	  survival:aft (survival time)
//	multi:softprob                              base_score          softmax over classes
//	multi:softmax                               base_score          one-hot of the first largest margin
//
// A multi-class model has one output group per class, a multi-target model
// (num_target > 1, one tree per target) one per target. A model saved
// before its first boosting round has no trees: its margin is the
// intercept and its SHAP values are 0.
//
// Dart boosters are read with their tree weights applied to the leaf values;
// categorical (partition) splits follow XGBoost's rule: a category in the
// node's set goes right, any other value left, a missing value the default
// direction. A gblinear booster loads as an ensemble without trees plus
// linear terms, summed in float32 as XGBoost does; its contributions follow
// XGBoost's pred_contribs (x_j·w_j, the bias column holding bias plus base
// margin), its interventional values are w_j·(x_j − mean x_j), and its
// interaction values are its contributions on the diagonal. Unsupported
// models (vector-leaf trees of multi_strategy "multi_output_tree", unknown
// objectives) are rejected with errors wrapping [ErrUnsupported].
//
// An Ensemble is an [explain.Model] (margin of a single-output model), and
// [Ensemble.Model] gives a view of any class in margin or output space, so
// counterfactual search and the model-agnostic explainers of package
// explain work on tree models.
//
// # Explanations
//
// All SHAP values are computed in margin space unless stated otherwise, as
// XGBoost's pred_contribs and shap's TreeExplainer do:
//
//   - [Ensemble.Contributions] and [PathDependent]: path-dependent TreeSHAP
//     (Lundberg et al. 2020, "From local explanations to global
//     understanding with explainable AI for trees", Nature Machine
//     Intelligence 2:56–67, Algorithm 2). No background data is needed:
//     node covers stand in for the feature distribution. Per-leaf subset
//     tables (leaftables.go) make a row cost O(L·D) per tree.
//   - [Ensemble.InterventionalContributions] and [Interventional]:
//     interventional TreeSHAP with a background set, the exact Shapley
//     values of v(S) = mean_b f(x_S, b_rest); with [WithOutputSpace] the
//     game is formed on probabilities. The background is summarised per
//     leaf by its distinct split-following masks (intervmasks.go), so a row
//     costs one walk per tree however large the background is.
//   - [Ensemble.Interactions]: path-dependent SHAP interaction values, as
//     XGBoost's pred_interactions, also from per-leaf tables.
//   - [Ensemble.ApproxContributions]: Saabas attributions.
//
// [PathDependent] and [Interventional] implement [explain.Explainer], so
// explain.ReasonCodes turns their explanations into reason codes. Batch
// work is spread over GOMAXPROCS goroutines ([WithWorkers]), each with its
// own preallocated scratch, and stops when the context is cancelled. The
// explainers record one span per call and count explanations
// ([WithTracerProvider], [WithMeterProvider]; without them, or with nil,
// the global providers). An option given a bad argument makes the
// constructor or batch call fail with an error that names it. Like any
// [explain.Explanation], theirs go into a decision record with
// [explain.Explanation.Record].
//
// # Performance
//
// On the 100-tree depth-6 benchmark model, one thread, best of ten runs
// interleaved with testdata/gen/time_xgb.py on the same machine
// (2026-12-07): prediction of 1,000 rows 0.60 ms of CPU (XGBoost 1.7.4's
// inplace_predict 1.42 ms: 2.3×), TreeSHAP for 1,000 rows 0.16 s
// (pred_contribs 0.55 s), interaction values 0.56 ms per row
// (pred_interactions 12.9 ms), interventional values against 100
// background rows about 0.7 ms per row. See bench_test.go and testdata/gen/time_xgb.py.
package tree
