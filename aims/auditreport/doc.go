// Package auditreport builds the auditor's report of an AI management system
// (ISO/IEC 42001) from what the system left behind: the tamper-evident
// decision ledger, the OpenTelemetry Collector's file-exporter output
// (OTLP/JSON logs.jsonl and metrics.jsonl) and the Statement of
// Applicability.
//
// The work has three steps, each usable on its own:
//
//   - [Load] reads the inputs from paths into an [Input]; an input that is
//     missing or unreadable is noted in Input.Missing instead of failing, so
//     an auditor always gets a report that says what it could not see;
//   - [Build] computes the [Report] model from an Input: the inventory,
//     Annex A coverage with evidence counts by record type and sample
//     records, decision volumes and outcomes over time, human oversight,
//     the management-system records (incidents with their life cycle and
//     EU AI Act Art. 73 reporting; impact assessments, deployment
//     authorisations, changes and risks), fairness by group with the
//     four-fifths verdicts, drift, the ledger's verification status, and
//     the numbers per instance ledger of a fleet beside the fleet total;
//   - [Report.RenderHTML] writes one self-contained, printable HTML file
//     (charts as inline SVG drawn with gonum.org/v1/plot, no scripts, no
//     external assets, every value escaped by html/template) and
//     [Report.RenderMarkdown] the same content as Markdown tables;
//     [Report.RenderJSON] writes the Report itself as JSON.
//
// A tool that embeds the engine needs only these three steps; every
// section of the Report is plain data it can also read directly:
//
//	in, err := auditreport.Load(ctx, auditreport.LoadOptions{
//		LedgerDir: "ledger", OTelDir: "otel", SoAPath: "soa.yaml",
//		Key: vkey, // published in the inventory record or the SoA, never a file beside the ledger
//	})
//	if err != nil {
//		return err // ctx was cancelled; missing inputs are in in.Missing
//	}
//	r, err := auditreport.Build(in)
//	if err != nil {
//		return err
//	}
//	if r.Summary.Verification == auditreport.VerdictFail {
//		// the ledger was tampered with or damaged: r.Ledger says where
//	}
//	return r.RenderHTML(w)
//
// The aimsaudit command's report subcommand is a thin wrapper around these.
// Package [github.com/aimskit/aimskit/aims/auditreport/reporttest] writes a
// complete set of inputs together with the numbers a correct report shows,
// for testing such tools.
package auditreport
