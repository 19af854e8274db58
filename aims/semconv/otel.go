package semconv

import "go.opentelemetry.io/otel/attribute"

// Keys reused from the general OpenTelemetry semantic conventions, with
// the meaning and value type they have there. They are defined here so
// that the catalog, and the README table generated from it, lists every
// key aimskit emits.
const (
	// ErrorType is the low-cardinality class of the error an operation
	// ended with (error.type): aims/genai puts it on a failed GenAI client
	// span and on its gen_ai.client.operation.duration measurement, as the
	// GenAI conventions require.
	ErrorType = attribute.Key("error.type")
	// HTTPResponseStatusCode is the HTTP status code of a response
	// (http.response.status_code): the aims.disclosure event of a
	// disclosure made in an HTTP header carries it.
	HTTPResponseStatusCode = attribute.Key("http.response.status_code")
)

var _ = register(
	Entry{Name: string(ErrorType), Kind: KindAttribute, Type: "string", Package: "aims/genai", OTel: true, Brief: "class of the error a GenAI operation ended with, on its span and duration"},
	Entry{Name: string(HTTPResponseStatusCode), Kind: KindAttribute, Type: "int", Package: "aims", OTel: true, Brief: "HTTP status of the response that carried a disclosure"},
)
