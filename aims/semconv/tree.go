package semconv

import "go.opentelemetry.io/otel/attribute"

// ScopeExplainTree is the instrumentation scope of package explain/tree.
const ScopeExplainTree = ScopePrefix + "/explain/tree"

// Attribute keys of the explain/tree package. Its explanation spans and
// metrics reuse SpanExplain, MetricExplanations, MetricExplanationDuration
// and the aims.explanation.* keys of package explain, under the scope
// ScopeExplainTree: the scope is the emitting package's import path, and
// the catalog lists each of them for explain/tree too (explain.go).
const (
	// AimsExplanationTrees is the number of trees in the explained ensemble.
	AimsExplanationTrees = attribute.Key("aims.explanation.trees")
	// AimsExplanationRows is the number of rows explained by one batch call.
	AimsExplanationRows = attribute.Key("aims.explanation.rows")
)

var _ = register(
	Entry{Name: ScopeExplainTree, Kind: KindScope, Package: "explain/tree", Brief: "instrumentation scope of package explain/tree"},
	Entry{Name: string(AimsExplanationTrees), Kind: KindAttribute, Type: "int", Package: "explain/tree", Brief: "number of trees in the explained ensemble"},
	Entry{Name: string(AimsExplanationRows), Kind: KindAttribute, Type: "int", Package: "explain/tree", Brief: "rows explained by one batch call"},
	Entry{Name: SpanExplain, Kind: KindSpan, Type: "internal", Package: "explain/tree", Brief: "one batch call of a tree explainer (Explain is a batch of one row)"},
	Entry{Name: MetricExplanations, Kind: KindMetric, Type: "counter", Unit: "{explanation}", Package: "explain/tree", Brief: "explanations produced by tree explainers, one per row, by aims.explanation.method and aims.explanation.exact"},
	Entry{Name: MetricExplanationDuration, Kind: KindMetric, Type: "histogram", Unit: "s", Package: "explain/tree", Brief: "time per explanation of a tree explainer: a batch call's time divided by its rows, one observation per call"},
)
