// Package otlpfile writes and reads the files an OpenTelemetry Collector's
// file exporter writes with format: json — one OTLP/JSON
// ExportLogsServiceRequest, ExportMetricsServiceRequest or
// ExportTraceServiceRequest object per line.
//
// Writing: [Start] runs a loopback OTLP/HTTP receiver ([Sink]) that appends
// what it receives to traces.jsonl, metrics.jsonl and logs.jsonl. A service
// that runs without a collector (a laptop, a demo, the examples) points its
// OTLP/HTTP exporters at it, so its telemetry lands in local files that
// aimsaudit reads exactly as it reads a collector's output. It uses no
// OpenTelemetry SDK itself.
//
// Reading: [ReadLogs], [EachLog], [ReadMetrics], [EachPoint], [ReadSpans]
// and [EachSpan] turn such files into flat Go values, so the auditor's
// tools (aims/auditreport) and the inventory (inventory.FromOTLP) work from
// the collector's output alone.
//
// Each line is decoded with protojson into the message types of
// go.opentelemetry.io/proto/otlp, following the OTLP specification's "JSON
// Protobuf Encoding" section (opentelemetry-proto docs/specification.md):
// field names are lowerCamelCase, enums may be integers, 64-bit integers may
// be decimal strings or numbers, doubles may be "NaN", "Infinity" or
// "-Infinity", unknown fields are ignored (receivers MUST ignore them), and
// trace and span IDs are hex strings rather than the base64 of the
// canonical protobuf JSON mapping. IDs in either form are accepted and come
// out as lowercase hex; attribute and body values come out as string, bool,
// int64, float64, []byte, []any or map[string]any.
//
// Reading is streaming: lines, each at most [DefaultMaxLineBytes] long (or
// [WithMaxLineBytes]), are decoded by one worker per CPU, and records reach
// the caller in input order on the caller's goroutine. The lines held at
// once are at most two per worker and at most [DefaultMaxInFlightBytes] of
// text (or [WithMaxInFlightBytes]; one longer line is held alone), plus the
// line being read and the decoded records of the lines held, which take a
// few times their text: with the defaults, at most 192 MiB of line text
// however many CPUs the machine has. A line over the line bound is an
// error, or a skipped line with [WithSkipBadLines]. A line that cannot be read is a [*LineError]
// naming the input and the line; a last line cut short by a write still in
// progress is reported as torn ([ErrTornLine]). By default such a line
// stops the reading. With [WithSkipBadLines] it is skipped whole (none of
// the records of its batch are returned, not even the sound ones) and
// recorded in a [Skipped] — counted, and the first few listed with their
// reasons — so that one client's bad batch, or a line cut off by a crashed
// Collector, does not hide the rest of the file while the caller can still
// say that evidence was unreadable.
// A log record holding a value the OTLP data model does not allow fails
// its line too, unless the reading is [WithBadLogRecords].
package otlpfile
