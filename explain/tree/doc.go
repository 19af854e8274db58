// Package tree loads tree-ensemble models (XGBoost JSON, scikit-learn trees
// exported as JSON) and explains them with TreeSHAP.
//
// An [Ensemble] predicts margins exactly as the training library does: for
// XGBoost models row values are rounded to float32, float32(x) < threshold
// goes left (a value equal to the threshold goes right), a missing value
// (NaN) takes the node's default direction, and margins are summed in
// float32, which reproduces XGBoost's output_margin bit for bit.
//
// Explanations are computed in margin space, as XGBoost's pred_contribs and
// shap's TreeExplainer do:
//
//   - path-dependent TreeSHAP (Lundberg et al. 2020, "From local explanations
//     to global understanding with explainable AI for trees", Nature Machine
//     Intelligence 2:56–67, Algorithm 2), which needs no background data and
//     uses the node covers as the feature distribution;
//   - interventional TreeSHAP with a background set (the same paper,
//     "Interventional Tree SHAP"), the exact Shapley values of the game
//     v(S) = mean_b f(x_S, b_{not S});
//   - path-dependent SHAP interaction values.
package tree
