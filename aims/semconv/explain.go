package semconv

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"
)

// Span names and attribute keys of the explain package. The explanation
// span never carries raw input values: only counts, the method and the
// names of the most important features. Package explain/tree emits
// SpanExplain too, under its own scope.
const (
	// SpanExplain is the name of the span around one explanation.
	SpanExplain = "aims.explain"
	// SpanCounterfactuals is the name of the span around one counterfactual search.
	SpanCounterfactuals = "aims.explain.counterfactuals"

	// AimsExplanationFeatures is M, the number of players (features or groups) explained.
	AimsExplanationFeatures = attribute.Key("aims.explanation.features")
	// AimsExplanationBackgroundSize is the number of background rows of the game.
	AimsExplanationBackgroundSize = attribute.Key("aims.explanation.background_size")
	// AimsExplanationModelEvaluations is the number of rows the model scored.
	AimsExplanationModelEvaluations = attribute.Key("aims.explanation.model_evaluations")
	// AimsExplanationTopFeatures lists the most important feature names, largest |value| first.
	AimsExplanationTopFeatures = attribute.Key("aims.explanation.top_features")
	// AimsExplanationLink is the output link the game was formed in (identity, logit).
	AimsExplanationLink = attribute.Key("aims.explanation.link")
	// AimsExplanationExact reports whether the values are exact Shapley values.
	AimsExplanationExact = attribute.Key("aims.explanation.exact")
	// AimsCounterfactualRequested is the number of counterfactuals asked for.
	AimsCounterfactualRequested = attribute.Key("aims.counterfactual.requested")
	// AimsCounterfactualFound is the number of valid counterfactuals returned.
	AimsCounterfactualFound = attribute.Key("aims.counterfactual.found")
)

// Metric names of the explain package. Package explain/tree emits them
// too, under its own scope.
const (
	// MetricExplanations counts explanations produced, by method and exactness.
	MetricExplanations = "aims.explain.explanations"
	// MetricExplanationDuration is the time to produce one explanation.
	MetricExplanationDuration = "aims.explain.duration"
)

var _ = register(
	Entry{Name: SpanExplain, Kind: KindSpan, Type: "internal", Package: "explain", Brief: "one explanation"},
	Entry{Name: SpanCounterfactuals, Kind: KindSpan, Type: "internal", Package: "explain", Brief: "one counterfactual search"},
	Entry{Name: MetricExplanations, Kind: KindMetric, Type: "counter", Unit: "{explanation}", Package: "explain", Brief: "explanations produced, by aims.explanation.method and aims.explanation.exact"},
	Entry{Name: MetricExplanationDuration, Kind: KindMetric, Type: "histogram", Unit: "s", Package: "explain", Brief: "time to produce one explanation"},
	Entry{Name: string(AimsCounterfactualRequested), Kind: KindAttribute, Type: "int", Package: "explain", Brief: "counterfactuals requested"},
	Entry{Name: string(AimsCounterfactualFound), Kind: KindAttribute, Type: "int", Package: "explain", Brief: "valid counterfactuals found"},
)

// The aims.explanation.* keys of an explanation, which package
// explain/tree puts on its explanation spans too.
var _ = register(slices.Concat(
	emittedBy(Entry{Name: string(AimsExplanationFeatures), Kind: KindAttribute, Type: "int", Brief: "number of players (features or groups) explained"}, "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsExplanationBackgroundSize), Kind: KindAttribute, Type: "int", Brief: "background rows of the interventional game"}, "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsExplanationModelEvaluations), Kind: KindAttribute, Type: "int", Brief: "rows the model scored for the explanation"}, "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsExplanationTopFeatures), Kind: KindAttribute, Type: "string[]", Brief: "most important feature names, largest |value| first (never values)"}, "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsExplanationLink), Kind: KindAttribute, Type: "string", Brief: "output link of the game: identity or logit"}, "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsExplanationExact), Kind: KindAttribute, Type: "bool", Brief: "values are exact Shapley values"}, "explain", "explain/tree"),
)...)
