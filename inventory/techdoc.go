package inventory

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TechnicalDocumentation is a skeleton of the technical documentation of
// EU AI Act Art. 11 and Annex IV (ISO/IEC 42001 A.6.2.7), prefilled from the
// registered [System]. Every point of Annex IV is present; the points the
// inventory cannot fill are marked Missing, so the skeleton doubles as the
// to-do list of what the provider still has to write. Annex IV is mandatory
// for high-risk systems only; for the others the skeleton is still a useful
// structure for the documentation ISO/IEC 42001 A.6.2.7 asks for.
type TechnicalDocumentation struct {
	SystemID string       `json:"systemId"` // the system's inventory ID
	Name     string       `json:"name"`     // the system's human-readable name
	Version  string       `json:"version"`  // the system version documented
	Sections []DocSection `json:"sections"` // every point of Annex IV, in the Annex's order
}

// DocSection is one point of Annex IV.
type DocSection struct {
	// Point is the Annex IV point, e.g. "2(d)".
	Point string `json:"point"`
	// Title paraphrases what the point asks for.
	Title string `json:"title"`
	// Content is what the inventory already knows for this point.
	Content []string `json:"content,omitempty"`
	// Missing is set when the point still has to be written; Todo says what.
	Missing bool   `json:"missing"`
	Todo    string `json:"todo,omitempty"` // what the provider still has to write; empty when complete
}

// NewTechnicalDocumentation builds the Annex IV skeleton of a system.
func NewTechnicalDocumentation(sys System) TechnicalDocumentation {
	d := TechnicalDocumentation{SystemID: sys.ID, Name: sys.Name, Version: sys.Version}
	// add records a point that is complete once it has content.
	add := func(point, title string, content []string, todo string) {
		s := DocSection{Point: point, Title: title, Content: content}
		if len(content) == 0 {
			s.Missing, s.Todo = true, todo
		}
		d.Sections = append(d.Sections, s)
	}
	// partial records a point the inventory can only start: whatever it
	// knows is shown, and the point stays missing until a person adds more.
	partial := func(point, title string, content []string, todo string) {
		d.Sections = append(d.Sections, DocSection{Point: point, Title: title, Content: content, Missing: true, Todo: todo})
	}
	nonEmpty := func(items ...string) []string {
		var out []string
		for _, it := range items {
			if strings.TrimSpace(it) != "" && !strings.HasSuffix(it, ": ") {
				out = append(out, it)
			}
		}
		return out
	}

	// 1. General description.
	roles := make([]string, len(sys.ValueChainRoles))
	for i, r := range sys.ValueChainRoles {
		roles[i] = string(r)
	}
	partial("1(a)", "Intended purpose, provider, version",
		nonEmpty("Intended purpose: "+sys.Purpose, "Intended use: "+sys.IntendedUse, "Version: "+sys.Version,
			"Owner: "+sys.Owner, "Role in the value chain: "+strings.Join(roles, ", ")),
		"name the provider (legal entity) and its contact details")
	var models []string
	for _, m := range sys.Models {
		line := m.Name
		if m.Version != "" {
			line += " " + m.Version
		}
		if m.Provider != "" {
			line += " (third-party model from " + m.Provider + ")"
		}
		models = append(models, line)
	}
	partial("1(b)", "Interaction with hardware, software and other AI systems", models, "describe interfaces with other systems and hardware")
	add("1(c)", "Versions of relevant software or firmware and update requirements", nil, "list software and firmware versions and version-update requirements")
	add("1(d)", "Forms in which the system is placed on the market or put into service", nil, "describe packages, downloads and APIs")
	add("1(e)", "Hardware on which the system is intended to run", nil, "describe the target hardware")
	add("1(f)", "Photographs or illustrations of products, where the system is a product component", nil, "add product illustrations, or state that the system is not a product component")
	add("1(g)", "User interface provided to the deployer", nil, "describe the deployer's user interface")
	add("1(h)", "Instructions for use for the deployer (Art. 13)", nil, "write the instructions for use")

	// 2. Elements of the system and its development.
	var dev []string
	for _, m := range sys.Models {
		line := fmt.Sprintf("Model %s: %s", m.Name, nonBlank(m.Type, "type not stated"))
		if m.Task != "" {
			line += ", task " + m.Task
		}
		if m.Provider != "" {
			line += ", pre-trained by " + m.Provider
		}
		if m.License != "" {
			line += ", licence " + m.License
		}
		dev = append(dev, line)
	}
	partial("2(a)", "Development methods and steps, including pre-trained systems and third-party tools", dev, "describe the development process and how third-party components were integrated")
	add("2(b)", "Design specifications: general logic, algorithms, key design choices, trade-offs", nil, "document design choices, optimisation goals and trade-offs")
	add("2(c)", "System architecture and computational resources", nil, "describe the architecture and the compute used to develop, train, test and validate")
	var data []string
	for _, ds := range sys.DataSources {
		line := fmt.Sprintf("%s: provenance %s", ds.Name, ds.Provenance)
		if ds.Purpose != "" {
			line += "; used for " + ds.Purpose
		}
		if ds.PersonalData {
			line += "; contains personal data"
		}
		data = append(data, line)
	}
	partial("2(d)", "Data requirements: datasheets, provenance, scope, selection, labelling, cleaning", data, "add datasheets: collection, labelling and cleaning methods, scope and main characteristics")
	add("2(e)", "Assessment of human-oversight measures (Art. 14)", sys.HumanOversight, "describe the human-oversight measures and how they were assessed")
	add("2(f)", "Pre-determined changes to the system and its performance", nil, "describe pre-determined changes and how conformity is kept")
	var evals []string
	for _, m := range sys.Models {
		for _, e := range m.Evaluations {
			line := fmt.Sprintf("%s: %s = %s", m.Name, e.Metric, strconv.FormatFloat(e.Value, 'g', -1, 64))
			if e.Dataset != "" {
				line += " on " + e.Dataset
			}
			if e.Slice != "" {
				line += " (slice " + e.Slice + ")"
			}
			evals = append(evals, line)
		}
	}
	partial("2(g)", "Validation and testing procedures, metrics and test logs", evals, "attach the test procedures and signed, dated test logs")
	add("2(h)", "Cybersecurity measures", nil, "describe the cybersecurity measures (Art. 15)")

	// 3. Monitoring, functioning and control.
	var mon []string
	mon = append(mon, sys.Limitations...)
	for _, m := range sys.ForeseeableMisuse {
		mon = append(mon, "Foreseeable misuse: "+m)
	}
	if sys.UseCase != nil && sys.UseCase.AffectedPersons != "" {
		mon = append(mon, "Affected persons: "+sys.UseCase.AffectedPersons)
	}
	for _, k := range sys.LedgerKeys {
		mon = append(mon, "Record-keeping (Art. 12): decisions are logged in a tamper-evident ledger whose signed checkpoints verify with the public key "+k)
	}
	partial("3", "Capabilities and limitations, accuracy for groups of persons, foreseeable unintended outcomes, input specifications", mon, "state accuracy for the specific persons or groups the system is intended for, and input-data specifications")
	var metrics []string
	for _, m := range sys.Models {
		for _, e := range m.Evaluations {
			metrics = append(metrics, m.Name+": "+e.Metric)
		}
	}
	add("4", "Appropriateness of the performance metrics", nil, "justify why the metrics used ("+nonBlank(strings.Join(uniq(metrics), ", "), "none registered")+") are appropriate")

	// 5. Risk management.
	rs := riskSummary(sys)
	risk := []string{"EU AI Act tier: " + string(rs.Level)}
	if len(rs.References) > 0 {
		risk = append(risk, "References: "+strings.Join(rs.References, "; "))
	}
	if rs.Rationale != "" {
		risk = append(risk, rs.Rationale)
	}
	partial("5", "Risk-management system (Art. 9)", risk, "describe the risk-management system; the classification alone is not one")
	partial("6", "Relevant changes made through the lifecycle", []string{"Registered version: " + sys.Version + ", lifecycle stage: " + string(sys.Lifecycle)}, "keep a change log of relevant changes")
	partial("7", "Harmonised standards or other specifications applied", nonEmpty(prefixAll("ISO/IEC 42001 control ", sys.Controls)...), "list harmonised standards and common specifications applied")
	add("8", "Copy of the EU declaration of conformity (Art. 47)", nil, "attach the EU declaration of conformity")
	add("9", "Post-market monitoring system and plan (Art. 72)", nil, "describe the post-market monitoring plan")
	return d
}

// Missing returns the sections that still have to be written.
func (d TechnicalDocumentation) Missing() []DocSection {
	var out []DocSection
	for _, s := range d.Sections {
		if s.Missing {
			out = append(out, s)
		}
	}
	return out
}

// JSON returns the skeleton as indented JSON.
func (d TechnicalDocumentation) JSON() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}

// Markdown renders the skeleton; points still to be written carry a
// "MISSING:" line.
func (d TechnicalDocumentation) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Technical documentation (EU AI Act Annex IV): %s %s\n\n", mdText(d.Name), mdText(d.Version))
	fmt.Fprintf(&b, "System ID: `%s`. Generated from the AI-system inventory; %d of %d points still need work.\n\n", d.SystemID, len(d.Missing()), len(d.Sections))
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s %s\n\n", s.Point, s.Title)
		for _, c := range s.Content {
			fmt.Fprintf(&b, "- %s\n", mdText(c))
		}
		if len(s.Content) > 0 {
			b.WriteString("\n")
		}
		if s.Missing {
			fmt.Fprintf(&b, "> **MISSING:** %s\n\n", mdText(s.Todo))
		}
	}
	return b.String()
}

func nonBlank(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func prefixAll(prefix string, items []string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = prefix + it
	}
	return out
}

func uniq(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}
