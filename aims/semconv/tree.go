package semconv

import "go.opentelemetry.io/otel/attribute"

// ScopeExplainTree is the instrumentation scope of package explain/tree.
const ScopeExplainTree = ScopePrefix + "/explain/tree"

// Attribute keys of the explain/tree package. Its explanation spans reuse
// SpanExplain and the aims.explanation.* keys of package explain.
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
)
