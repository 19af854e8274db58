package oversight

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/aimskit/aimskit/aims"
)

// reasonRow is one reason code as the console shows it.
type reasonRow struct {
	Rank                                  int
	Code, Description, Feature, Direction string
	Effect                                string // signed in the score convention, or ± the size when the sign is unknown
}

// reasonRows puts reason codes in the console's one sign convention:
// effect on the model's score, positive raises it. Reason codes carry
// their contribution signed toward the adverse outcome, which is the
// opposite of the score's sign when a low score is adverse; the effect is
// taken from the feature's attribution, or from the relation between the
// two conventions that the other reasons show, and otherwise given as a
// size without a sign.
func reasonRows(e *aims.Explanation) []reasonRow {
	if e == nil {
		return nil
	}
	attr := make(map[string]float64, len(e.Attributions))
	for _, a := range e.Attributions {
		attr[a.Feature] = a.Contribution
	}
	factor := 0.0 // score effect = factor × reason contribution, once known
	for _, rc := range e.ReasonCodes {
		if a, ok := attr[rc.Feature]; ok && a != 0 && rc.Contribution != 0 {
			factor = math.Copysign(1, a) * math.Copysign(1, rc.Contribution)
			break
		}
	}
	out := make([]reasonRow, 0, len(e.ReasonCodes))
	for _, rc := range e.ReasonCodes {
		row := reasonRow{Rank: rc.Rank, Code: rc.Code, Description: rc.Description, Feature: rc.Feature,
			Direction: "the favourable outcome"}
		if strings.Contains(strings.ToLower(rc.Direction), "adverse") {
			row.Direction = "the adverse outcome"
		}
		f := func(v float64) string {
			if v > 0 {
				return "+" + strconv.FormatFloat(v, 'g', 4, 64)
			}
			return strconv.FormatFloat(v, 'g', 4, 64)
		}
		switch a, ok := attr[rc.Feature]; {
		case ok:
			row.Effect = f(a)
		case factor != 0:
			row.Effect = f(factor * rc.Contribution)
		default:
			row.Effect = "±" + strconv.FormatFloat(math.Abs(rc.Contribution), 'g', 4, 64)
		}
		out = append(out, row)
	}
	return out
}

// consoleStyle is the console's only styling, inline and allowed by hash in
// the Content-Security-Policy; there are no scripts and no external assets.
const consoleStyle = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f4}
header{background:#22313f;color:#fff;padding:.6em 1.2em;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:70em;margin:1em auto;padding:0 1.2em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #ddd;padding:.35em .55em;text-align:left;vertical-align:top}
th{background:#eceae4}
.card{background:#fff;border:1px solid #ddd;padding:.8em 1em;margin:.8em 0}
.bias{border-left:5px solid #c77d00;background:#fff7e6}
.problem{border-left:5px solid #b00020;background:#fdecee}
.notice{border-left:5px solid #2e7d32;background:#edf7ed}
.forms{display:flex;gap:1em;flex-wrap:wrap}
.forms form{flex:1 1 18em}
label{display:block;margin:.3em 0}
input[type=text],textarea{width:100%;box-sizing:border-box;font:inherit}
button{font:inherit;padding:.3em 1em;cursor:pointer}
.muted{color:#666}
`

// consoleCSP forbids everything except same-origin forms and the inline
// style above.
var consoleCSP = func() string {
	sum := sha256.Sum256([]byte(consoleStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"until": until,
	"join":  strings.Join,
	"style": func() template.CSS { return template.CSS(consoleStyle) },
	// deref shows a score to four significant digits: reviewers compare
	// it with the threshold, they do not need float64 noise.
	"deref": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return strconv.FormatFloat(*f, 'g', 4, 64)
	},
	"minus1":  func(i int) int { return i - 1 },
	"reasons": reasonRows,
	"effect":  func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
	"signed": func(f float64) string {
		if f > 0 {
			return "+" + strconv.FormatFloat(f, 'g', 4, 64)
		}
		return strconv.FormatFloat(f, 'g', 4, 64)
	},
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.}} · AI oversight console</title><style>{{style}}</style></head><body>{{end}}

{{define "header"}}<header><a href="{{.Base}}/">AI oversight console</a>
<span>Signed in as <strong id="reviewer">{{.Reviewer.ID}}</strong>{{with .Reviewer.Roles}} ({{join . ", "}}){{end}}</span></header>{{end}}

{{define "error"}}{{template "head" "Error"}}
<main><div class="card problem"><h1>{{.Status}} {{.StatusText}}</h1><p id="problem">{{.Message}}</p></div>
<p><a href="{{.Base}}/">Back to the queue</a></p></main></body></html>{{end}}

{{define "queue"}}{{template "head" "Queue"}}{{template "header" .}}
<main>
{{with .Notice}}<div class="card notice" id="notice">{{.}}</div>{{end}}
<h1>Review queue <span class="muted">({{len .Tickets}} open)</span></h1>
<form method="post" action="{{.Base}}/claim"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="claim">Claim the next ticket</button></form>
{{if .Halts}}<div class="card problem" id="halts"><h2>Halted systems</h2><ul>
{{range .Halts}}<li><strong>{{.SystemID}}</strong> by {{.By}}: {{.Reason}}
{{if $.CanResume}}<form method="post" action="{{$.Base}}/resume"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="system" value="{{.SystemID}}">
<label>Reason for resuming<input type="text" name="reason" required></label><button type="submit">Resume {{.SystemID}}</button></form>{{end}}</li>
{{end}}</ul></div>{{end}}
{{if .Tickets}}
<table id="queue"><thead><tr><th>Ticket</th><th>System</th><th>Model output</th><th>Score / threshold</th><th>Why held</th><th>Level</th><th>Deadline</th><th>Claimed by</th></tr></thead><tbody>
{{range .Tickets}}<tr>
<td><a class="ticket-link" href="{{$.Base}}/tickets/{{.ID}}">{{.ID}}</a>{{if eq .Kind "contest"}} <strong>contest</strong>{{end}}</td>
<td>{{.Decision.SystemID}}</td><td>{{.Decision.Output}}</td>
<td>{{deref .Decision.Score}} / {{deref .Decision.Threshold}}</td>
<td>{{.Policy}}: {{.Reason}}</td><td>{{.Level}}</td>
<td>{{until .Deadline $.Now}}{{if eq .State "overdue"}} (held past final deadline){{end}}</td>
<td>{{.ClaimedBy}}</td></tr>
{{end}}</tbody></table>
{{else}}<p id="empty">Nothing waiting for review.</p>{{end}}
<div class="card"><h2>Stop an AI system</h2>
<p class="muted">Every decision of a halted system is blocked until a supervisor resumes it. Halting is recorded with your name.</p>
<form method="post" action="{{.Base}}/halt" id="halt-form"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label>System ID<input type="text" name="system" required></label><label>Reason<input type="text" name="reason" required></label>
<button type="submit">Halt</button></form></div>
</main></body></html>{{end}}

{{define "ticket"}}{{template "head" "Ticket"}}{{template "header" .}}
<main>
{{with .Notice}}<div class="card notice" id="notice">{{.}}</div>{{end}}
{{with .Problem}}<div class="card problem" id="problem">{{.}}</div>{{end}}
{{$t := .T}}{{$d := $t.Decision}}
<h1>Ticket <code>{{$t.ID}}</code></h1>
<div class="card">
<p><strong>System</strong> {{$d.SystemID}} {{$d.SystemVersion}} · <strong>model</strong> {{$d.Model.Name}} {{$d.Model.Version}} · <strong>risk</strong> {{if $t.Risk}}{{$t.Risk}}{{else}}unspecified{{end}}</p>
<p><strong>Model output</strong> <span id="model-output">{{$d.Output}}</span>{{if $d.Adverse}} (adverse to the person){{end}}
 · <strong>score</strong> {{deref $d.Score}} · <strong>threshold</strong> {{deref $d.Threshold}}</p>
<p><strong>Held because</strong> {{$t.Policy}}: {{$t.Reason}} · <strong>level</strong> {{$t.Level}}{{if $t.Open}} · <strong>deadline</strong> {{until $t.Deadline .Now}}{{end}} · <strong>state</strong> <span id="state">{{$t.State}}</span></p>
{{if eq $t.Kind "contest"}}<p><strong>Contested by the affected person.</strong> Grounds: {{$t.Grounds}}</p>{{end}}
</div>

{{with $d.Explanation}}<div class="card"><h2>Why the model decided this</h2>
<p class="muted" id="sign-convention">Effects are in units of the model's score ({{with .Method}}{{.}} attributions, {{end}}base value {{effect .BaseValue}}): a positive effect raised the score, a negative one lowered it.</p>
{{with reasons .}}<table id="reason-codes"><thead><tr><th>#</th><th>Code</th><th>Reason</th><th>Feature</th><th>Pushed toward</th><th>Effect on score</th></tr></thead><tbody>
{{range .}}<tr><td>{{.Rank}}</td><td>{{.Code}}</td><td>{{.Description}}</td><td>{{.Feature}}</td><td>{{.Direction}}</td><td>{{.Effect}}</td></tr>{{end}}
</tbody></table>{{end}}
{{with .Counterfactuals}}<h3>What would have changed the outcome</h3><ul id="counterfactuals">
{{range .}}<li>{{.Summary}}{{with .Outcome}} → {{.}}{{end}}</li>{{end}}</ul>{{end}}
{{with .Attributions}}<h3>Feature effects on the score ({{$.T.Decision.Explanation.Method}})</h3><table id="attributions"><tbody>
{{range .}}<tr><td>{{.Feature}}</td><td>{{signed .Contribution}}</td></tr>{{end}}</tbody></table>{{end}}
</div>{{else}}<div class="card"><p>No explanation was attached to this decision.</p></div>{{end}}

{{with $d.Inputs}}<div class="card"><h2>Inputs</h2><table><tbody>
{{range $k, $v := .}}<tr><td>{{$k}}</td><td>{{$v}}</td></tr>{{end}}</tbody></table></div>{{end}}

{{with $t.Votes}}<div class="card"><h2>Reviews so far</h2><ul>
{{range .}}<li>{{.Reviewer}}: {{.Action}}{{with .Output}} → {{.}}{{end}}{{with .Reason}} — {{.}}{{end}}</li>{{end}}</ul></div>{{end}}

{{if $t.Resolution}}<div class="card notice" id="outcome"><h2>Outcome: <span id="outcome-action">{{$t.Resolution.Action}}</span></h2>
<p>{{if $t.Resolution.Reviewer}}By <strong>{{$t.Resolution.Reviewer}}</strong>. {{end}}Effective output: <strong id="outcome-output">{{$t.Resolution.Decision.Output}}</strong> ({{if $t.Resolution.Applied}}applied{{else}}not applied{{end}}).</p>
{{with $t.Resolution.Reason}}<p>Reason: <span id="outcome-reason">{{.}}</span></p>{{end}}
<p class="muted">Recorded as decision {{$t.Resolution.Decision.ID}}.</p></div>
{{else}}
<div class="card bias" id="automation-bias"><strong>Before you decide:</strong> the model's output is a suggestion, not a fact.
Check the evidence yourself — the reason codes and the inputs — and ask whether you would reach the same decision without the model.
Agreeing by default (automation bias) defeats the purpose of this review; your action is recorded with your name.</div>
<div class="forms">
<form method="post" action="{{.Base}}/tickets/{{$t.ID}}" id="approve-form"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="approve">
<h3>Approve</h3><label>Reason (optional)<textarea name="reason" rows="2"></textarea></label><button type="submit">Approve “{{$d.Output}}”</button></form>
<form method="post" action="{{.Base}}/tickets/{{$t.ID}}" id="reject-form"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="reject">
<h3>Reject</h3><label>Reason<textarea name="reason" rows="2"></textarea></label><button type="submit">Reject (not applied)</button></form>
<form method="post" action="{{.Base}}/tickets/{{$t.ID}}" id="override-form"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="override">
<h3>Override</h3><label>New output<input type="text" name="output" id="override-output" required></label>
<label>Reason (required)<textarea name="reason" id="override-reason" rows="2" required></textarea></label><button type="submit" id="override-submit">Override</button></form>
</div>{{end}}
<p><a href="{{.Base}}/">Back to the queue</a></p>
</main></body></html>{{end}}
`))
