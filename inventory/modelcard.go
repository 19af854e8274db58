package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ModelCard is a model card for an AI system and its models, after Mitchell
// et al., "Model Cards for Model Reporting" (FAT* 2019): model details,
// intended use, factors, metrics, evaluation and training data, quantitative
// analyses, ethical considerations, caveats and recommendations. It is built
// only from the registered [System]; sections the description does not
// cover are listed in Missing rather than silently left out. It serves
// ISO/IEC 42001 A.6.2.7 and A.8.2.
type ModelCard struct {
	SystemID    string           `json:"systemId"`                   // the system's inventory ID
	Name        string           `json:"name"`                       // the system's human-readable name
	Version     string           `json:"version"`                    // the system version the card describes
	Description string           `json:"description,omitempty"`      // what the system is, briefly
	Owner       string           `json:"owner"`                      // the person or team that owns the system
	Roles       []Role           `json:"accountableRoles,omitempty"` // who is accountable for what (ISO/IEC 42001 A.3.2)
	ValueChain  []ValueChainRole `json:"valueChainRoles"`            // the organisation's EU AI Act value-chain roles
	Lifecycle   LifecycleStage   `json:"lifecycleStage"`             // where the system is in its life cycle

	IntendedUse IntendedUse `json:"intendedUse"` // purpose, intended use and foreseeable misuse
	Risk        RiskSummary `json:"risk"`        // the EU AI Act risk tier and why
	// GeneralPurposeModels classifies each general-purpose AI model the
	// system uses ([ClassifyGeneralPurposeModel]): systemic risk and the
	// obligations of its provider (EU AI Act Art. 51–55).
	GeneralPurposeModels []GeneralPurposeClassification `json:"generalPurposeModels,omitempty"`

	Models        []Model      `json:"models"`                   // model details and evaluation results; never null
	TrainingData  []DataSource `json:"trainingData,omitempty"`   // data sources the models were trained on
	EvaluationSet []DataSource `json:"evaluationData,omitempty"` // data sources the models were validated or tested on
	OtherData     []DataSource `json:"otherData,omitempty"`      // other data the system uses, such as its inputs

	HumanOversight []string `json:"humanOversight,omitempty"`        // human-oversight measures (EU AI Act Art. 14)
	Limitations    []string `json:"limitations,omitempty"`           // known limitations: the caveats and recommendations
	Ethical        []string `json:"ethicalConsiderations,omitempty"` // ethical considerations: personal data, foreseeable misuse
	Controls       []string `json:"controls,omitempty"`              // ISO/IEC 42001 Annex A controls applied, by ID
	// LedgerKeys are the public verifier keys the decision ledger's
	// signed checkpoints verify with (System.LedgerKeys).
	LedgerKeys []string `json:"ledgerVerifierKeys,omitempty"`

	// Missing names the model-card sections the description leaves empty.
	Missing []string `json:"missing,omitempty"`
}

// IntendedUse is the intended-use section of a model card.
type IntendedUse struct {
	Purpose           string   `json:"purpose"`                     // the intended purpose (EU AI Act Art. 3(12))
	IntendedUse       string   `json:"intendedUse"`                 // intended users, context and conditions of use
	AffectedPersons   string   `json:"affectedPersons,omitempty"`   // who the decisions affect, from the use case
	ForeseeableMisuse []string `json:"foreseeableMisuse,omitempty"` // reasonably foreseeable misuse (Art. 3(13))
}

// RiskSummary is the EU AI Act classification shown on a model card.
type RiskSummary struct {
	Level      aims.RiskLevel `json:"level"`                // the declared tier, or the one derived from the use case
	Rationale  string         `json:"rationale,omitempty"`  // how the tier follows from the use case; empty without one
	References []string       `json:"references,omitempty"` // the EU AI Act provisions the classification relied on
}

// NewModelCard builds the model card of a system.
func NewModelCard(sys System) ModelCard {
	c := ModelCard{
		SystemID:       sys.ID,
		Name:           sys.Name,
		Version:        sys.Version,
		Description:    sys.Description,
		Owner:          sys.Owner,
		Roles:          sys.AccountableRoles,
		ValueChain:     sys.ValueChainRoles,
		Lifecycle:      sys.Lifecycle,
		Models:         sys.Models,
		HumanOversight: sys.HumanOversight,
		Limitations:    sys.Limitations,
		Controls:       sys.Controls,
		LedgerKeys:     sys.LedgerKeys,
		IntendedUse: IntendedUse{
			Purpose:           sys.Purpose,
			IntendedUse:       sys.IntendedUse,
			ForeseeableMisuse: sys.ForeseeableMisuse,
		},
		Risk: riskSummary(sys),
	}
	if sys.UseCase != nil {
		c.IntendedUse.AffectedPersons = sys.UseCase.AffectedPersons
	}
	for _, m := range sys.Models {
		if g, err := ClassifyGeneralPurposeModel(m); err == nil && g.GeneralPurpose {
			c.GeneralPurposeModels = append(c.GeneralPurposeModels, g)
		}
	}
	if c.Models == nil {
		c.Models = []Model{}
	}
	training := map[string]bool{}
	evaluation := map[string]bool{}
	for _, m := range sys.Models {
		for _, d := range m.TrainingData {
			training[d] = true
		}
		for _, e := range m.Evaluations {
			evaluation[e.Dataset] = true
		}
	}
	for _, d := range sys.DataSources {
		p := strings.ToLower(d.Purpose)
		switch {
		case training[d.Name] || p == "training":
			c.TrainingData = append(c.TrainingData, d)
		case evaluation[d.Name] || p == "testing" || p == "validation" || p == "evaluation":
			c.EvaluationSet = append(c.EvaluationSet, d)
		default:
			c.OtherData = append(c.OtherData, d)
		}
		if d.PersonalData {
			c.Ethical = append(c.Ethical, fmt.Sprintf("Data source %q contains personal data; its processing needs a legal basis and data-protection safeguards.", d.Name))
		}
	}
	for _, m := range sys.ForeseeableMisuse {
		c.Ethical = append(c.Ethical, "Foreseeable misuse: "+m)
	}

	missing := func(cond bool, what string) {
		if cond {
			c.Missing = append(c.Missing, what)
		}
	}
	missing(len(sys.Models) == 0, "model details: no models are described")
	var evals, trainRefs int
	for _, m := range sys.Models {
		evals += len(m.Evaluations)
		trainRefs += len(m.TrainingData)
		missing(m.Provider == "" && len(m.TrainingData) == 0, fmt.Sprintf("training data: model %q is built in-house but names no training data", m.Name))
	}
	missing(len(sys.Models) > 0 && evals == 0, "metrics and quantitative analyses: no evaluation results")
	missing(len(sys.ForeseeableMisuse) == 0, "intended use: no reasonably foreseeable misuse is described")
	missing(len(sys.Limitations) == 0, "caveats and recommendations: no limitations are described")
	missing(len(sys.HumanOversight) == 0, "human oversight: no measures are described")
	missing(sys.UseCase == nil, "risk classification: no structured use case, so the declared risk level is not checked")
	return c
}

func riskSummary(sys System) RiskSummary {
	r := RiskSummary{Level: sys.effectiveRiskLevel()}
	if sys.UseCase != nil {
		if c, err := Classify(*sys.UseCase); err == nil {
			r.Rationale = c.Rationale
			r.References = c.References
			if r.Level != c.Level {
				r.Rationale = fmt.Sprintf("Declared %s, stricter than the %s derived from the use case. %s", r.Level, c.Level, c.Rationale)
			}
		}
	}
	return r
}

// JSON returns the model card as indented JSON.
func (c ModelCard) JSON() ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}

// Markdown renders the model card as a Markdown document.
func (c ModelCard) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Model card: %s %s\n\n", mdText(c.Name), mdText(c.Version))
	if c.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", mdText(c.Description))
	}

	b.WriteString("## Model details\n\n")
	fmt.Fprintf(&b, "- System ID: `%s`\n- Version: %s\n- Owner: %s\n- Lifecycle stage: %s\n", c.SystemID, mdText(c.Version), mdText(c.Owner), c.Lifecycle)
	roles := make([]string, len(c.ValueChain))
	for i, r := range c.ValueChain {
		roles[i] = string(r)
	}
	fmt.Fprintf(&b, "- Role in the AI value chain: %s\n", strings.Join(roles, ", "))
	for _, r := range c.Roles {
		line := fmt.Sprintf("- %s: %s", mdText(r.Role), mdText(r.Name))
		if r.Contact != "" {
			line += " (" + mdText(r.Contact) + ")"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	if len(c.Models) > 0 {
		b.WriteString("| Model | Version | Type | Task | Provider | Licence |\n|---|---|---|---|---|---|\n")
		for _, m := range c.Models {
			provider := m.Provider
			if provider == "" {
				provider = "in-house"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdCell(m.Name), mdCell(m.Version), mdCell(m.Type), mdCell(m.Task), mdCell(provider), mdCell(m.License))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Intended use\n\n")
	fmt.Fprintf(&b, "- Purpose: %s\n- Intended use: %s\n", mdText(c.IntendedUse.Purpose), mdText(c.IntendedUse.IntendedUse))
	if c.IntendedUse.AffectedPersons != "" {
		fmt.Fprintf(&b, "- Affected persons: %s\n", mdText(c.IntendedUse.AffectedPersons))
	}
	b.WriteString("\n")
	mdList(&b, "### Reasonably foreseeable misuse\n\n", c.IntendedUse.ForeseeableMisuse)

	b.WriteString("## Risk classification (EU AI Act)\n\n")
	fmt.Fprintf(&b, "- Tier: **%s**\n", c.Risk.Level)
	if len(c.Risk.References) > 0 {
		fmt.Fprintf(&b, "- References: %s\n", strings.Join(c.Risk.References, "; "))
	}
	if c.Risk.Rationale != "" {
		fmt.Fprintf(&b, "\n%s\n", mdText(c.Risk.Rationale))
	}
	b.WriteString("\n")

	mdGeneralPurpose(&b, c.GeneralPurposeModels)

	b.WriteString("## Metrics and quantitative analyses\n\n")
	var rows int
	for _, m := range c.Models {
		for _, e := range m.Evaluations {
			if rows == 0 {
				b.WriteString("| Model | Metric | Value | Data set | Slice |\n|---|---|---|---|---|\n")
			}
			rows++
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(m.Name), mdCell(e.Metric), strconv.FormatFloat(e.Value, 'g', -1, 64), mdCell(e.Dataset), mdCell(e.Slice))
		}
	}
	if rows == 0 {
		b.WriteString("_No evaluation results registered._\n")
	}
	b.WriteString("\n")

	b.WriteString("## Training data\n\n")
	mdData(&b, c.TrainingData)
	b.WriteString("## Evaluation data\n\n")
	mdData(&b, c.EvaluationSet)
	if len(c.OtherData) > 0 {
		b.WriteString("## Other data sources\n\n")
		mdData(&b, c.OtherData)
	}

	mdList(&b, "## Human oversight\n\n", c.HumanOversight)
	mdList(&b, "## Ethical considerations\n\n", c.Ethical)
	mdList(&b, "## Caveats and recommendations\n\n", c.Limitations)
	mdList(&b, "## ISO/IEC 42001 controls applied\n\n", c.Controls)
	if len(c.LedgerKeys) > 0 {
		b.WriteString("## Decision log verification\n\n")
		b.WriteString("Decisions are recorded in a tamper-evident ledger whose checkpoints are signed. Verify a copy of the ledger with these public keys, taken from this document and not from files beside the ledger:\n\n")
		for _, k := range c.LedgerKeys {
			fmt.Fprintf(&b, "- `%s`\n", mdText(k))
		}
		b.WriteString("\n")
	}
	mdList(&b, "## Missing information\n\n", c.Missing)
	return b.String()
}

func mdData(b *strings.Builder, ds []DataSource) {
	if len(ds) == 0 {
		b.WriteString("_None registered._\n\n")
		return
	}
	b.WriteString("| Name | Description | Provenance | Licence | Personal data |\n|---|---|---|---|---|\n")
	for _, d := range ds {
		personal := "no"
		if d.PersonalData {
			personal = "yes"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", mdCell(d.Name), mdCell(d.Description), mdCell(d.Provenance), mdCell(d.License), personal)
	}
	b.WriteString("\n")
}

func mdList(b *strings.Builder, heading string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString(heading)
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", mdText(it))
	}
	b.WriteString("\n")
}

// mdText keeps user text on one line so it cannot start new Markdown
// blocks, and escapes HTML, which Markdown viewers would otherwise render
// as markup: the text is shown as the description holds it.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}

// mdCell also escapes the table separator.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}

// mdGeneralPurpose renders the general-purpose AI models section.
func mdGeneralPurpose(b *strings.Builder, gs []GeneralPurposeClassification) {
	if len(gs) == 0 {
		return
	}
	b.WriteString("## General-purpose AI models (EU AI Act Chapter V)\n\n")
	for _, g := range gs {
		provider := g.Provider
		if provider == "" {
			provider = "in-house (the organisation is the model's provider)"
		}
		systemic := "no"
		if g.SystemicRisk {
			systemic = "yes, " + systemicRiskRef[g.Basis].ref + " (" + string(g.Basis) + ")"
		}
		fmt.Fprintf(b, "### %s\n\n- Provider: %s\n- Systemic risk: %s\n- References: %s\n\n", mdText(g.Model), mdText(provider), systemic, strings.Join(g.References, "; "))
		mdList(b, "Obligations of the model's provider:\n\n", g.Obligations)
		fmt.Fprintf(b, "%s\n\n", mdText(g.Rationale))
	}
}
