package inventory

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims/semconv"
)

// CycloneDX media type of the ML-BOM that [CycloneDX] produces.
const CycloneDXMediaType = "application/vnd.cyclonedx+json; version=1.6"

// BOMOption configures [CycloneDX].
type BOMOption interface{ applyBOM(*bomConfig) }

type bomOptionFunc func(*bomConfig)

func (f bomOptionFunc) applyBOM(c *bomConfig) { f(c) }

type bomConfig struct {
	timestamp time.Time
	serial    string
}

// WithBOMTimestamp sets metadata.timestamp; the default is the current time.
func WithBOMTimestamp(t time.Time) BOMOption {
	return bomOptionFunc(func(c *bomConfig) { c.timestamp = t })
}

// WithBOMSerialNumber sets the BOM serial number, a UUID (with or without
// the "urn:uuid:" prefix); the default is a random one.
func WithBOMSerialNumber(id string) BOMOption {
	return bomOptionFunc(func(c *bomConfig) { c.serial = strings.TrimPrefix(id, "urn:uuid:") })
}

// CycloneDX returns a CycloneDX 1.6 ML-BOM (JSON) of the systems (ISO/IEC
// 42001 A.4.2–A.4.4, A.7.5, A.10.3). Each system is a component of type
// "application"; each of its models is a component of type
// "machine-learning-model" with a modelCard (task, architecture family,
// training datasets, performance metrics, considerations, and for a
// general-purpose AI model properties naming it so, its systemic risk
// and the EU AI Act provisions that apply); each data source
// is a component of type "data" with a dataset description and its
// provenance. The dependency graph links systems to their models and data,
// and models to their training data. Every component has a bom-ref unique
// in the BOM, as CycloneDX requires, whatever "@" or "/" versions and names
// hold. Every system must pass [System.Validate].
func CycloneDX(systems []System, opts ...BOMOption) ([]byte, error) {
	cfg := bomConfig{}
	for _, o := range opts {
		if o != nil {
			o.applyBOM(&cfg)
		}
	}
	if cfg.timestamp.IsZero() {
		cfg.timestamp = time.Now()
	}
	if cfg.serial == "" {
		cfg.serial = uuid.NewString()
	}
	serial, err := uuid.Parse(cfg.serial)
	if err != nil {
		return nil, fmt.Errorf("inventory: BOM serial number %q is not a UUID: %w", cfg.serial, err)
	}

	bom := cdxBOM{
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.6",
		SerialNumber: "urn:uuid:" + serial.String(),
		Version:      1,
		Metadata: cdxMetadata{
			Timestamp: cfg.timestamp.UTC().Format(time.RFC3339),
			Tools: cdxTools{Components: []cdxComponent{{
				Type: "library", Group: "github.com/aimskit", Name: "aimskit", Version: semconv.Version,
			}}},
		},
		Components:   []cdxComponent{},
		Dependencies: []cdxDependency{},
	}
	seen := map[string]bool{}
	for i, sys := range systems {
		if err := sys.Validate(); err != nil {
			return nil, fmt.Errorf("inventory: CycloneDX: systems[%d] (%q): %w", i, sys.ID, err)
		}
		sysRef := "system:" + sys.ID + "@" + refPart(sys.Version)
		if seen[sysRef] {
			return nil, fmt.Errorf("inventory: CycloneDX: systems[%d]: system %q version %q appears twice", i, sys.ID, sys.Version)
		}
		seen[sysRef] = true
		level := sys.effectiveRiskLevel()

		app := cdxComponent{
			Type: "application", BOMRef: sysRef, Name: sys.Name, Version: sys.Version,
			Description: nonBlank(sys.Description, sys.Purpose),
			Properties: []cdxProperty{
				{Name: string(semconv.AimsSystemID), Value: sys.ID},
				{Name: string(semconv.AimsRiskLevel), Value: string(level)},
				{Name: string(semconv.AimsInventoryLifecycleStage), Value: string(sys.Lifecycle)},
				{Name: "aims.inventory.owner", Value: sys.Owner},
				{Name: "aims.inventory.purpose", Value: sys.Purpose},
			},
		}
		for _, r := range sys.ValueChainRoles {
			app.Properties = append(app.Properties, cdxProperty{Name: "aims.inventory.value_chain_role", Value: string(r)})
		}
		for _, r := range riskSummary(sys).References {
			app.Properties = append(app.Properties, cdxProperty{Name: "aims.inventory.eu_ai_act_reference", Value: r})
		}
		for _, c := range sys.Controls {
			app.Properties = append(app.Properties, cdxProperty{Name: string(semconv.AimsControlID), Value: c})
		}
		for _, k := range sys.LedgerKeys {
			app.Properties = append(app.Properties, cdxProperty{Name: "aims.inventory.ledger_verifier_key", Value: k})
		}
		bom.Components = append(bom.Components, app)

		sysDeps := cdxDependency{Ref: sysRef, DependsOn: []string{}}
		dataRef := func(name string) string { return "data:" + sys.ID + "@" + refPart(sys.Version) + "/" + refPart(name) }
		for _, d := range sys.DataSources {
			ref := dataRef(d.Name)
			ds := cdxData{Type: "dataset", Name: d.Name, Description: d.Description}
			if d.PersonalData {
				ds.Classification = "personal data"
				ds.SensitiveData = []string{"personal data"}
			}
			comp := cdxComponent{
				Type: "data", BOMRef: ref, Name: d.Name, Description: d.Description,
				Data:       []cdxData{ds},
				Properties: []cdxProperty{{Name: "aims.inventory.provenance", Value: d.Provenance}},
			}
			if d.Purpose != "" {
				comp.Properties = append(comp.Properties, cdxProperty{Name: "aims.inventory.data_purpose", Value: d.Purpose})
			}
			if d.License != "" {
				comp.Licenses = []cdxLicenseChoice{{License: cdxLicense{Name: d.License}}}
			}
			bom.Components = append(bom.Components, comp)
			sysDeps.DependsOn = append(sysDeps.DependsOn, ref)
		}
		for _, m := range sys.Models {
			ref := "model:" + sys.ID + "@" + refPart(sys.Version) + "/" + refPart(m.Name)
			if m.Version != "" {
				ref += "@" + refPart(m.Version)
			}
			card := &cdxModelCard{
				ModelParameters: &cdxModelParameters{Task: m.Task, ArchitectureFamily: m.Type},
				Considerations: &cdxConsiderations{
					Users:                []string{sys.IntendedUse},
					UseCases:             []string{sys.Purpose},
					TechnicalLimitations: sys.Limitations,
				},
			}
			for _, misuse := range sys.ForeseeableMisuse {
				card.Considerations.EthicalConsiderations = append(card.Considerations.EthicalConsiderations,
					cdxRisk{Name: "foreseeable misuse: " + misuse, MitigationStrategy: strings.Join(sys.HumanOversight, "; ")})
			}
			if g, err := ClassifyGeneralPurposeModel(m); err == nil && g.GeneralPurpose {
				card.Properties = gpaiProperties(m, g)
			}
			var deps []string
			for _, td := range m.TrainingData {
				card.ModelParameters.Datasets = append(card.ModelParameters.Datasets, cdxDatasetRef{Ref: dataRef(td)})
				deps = append(deps, dataRef(td))
			}
			if len(m.Evaluations) > 0 {
				card.QuantitativeAnalysis = &cdxQuantitative{}
				for _, e := range m.Evaluations {
					slice := e.Slice
					if e.Dataset != "" {
						slice = strings.TrimSuffix(e.Dataset+"/"+e.Slice, "/")
					}
					card.QuantitativeAnalysis.PerformanceMetrics = append(card.QuantitativeAnalysis.PerformanceMetrics,
						cdxMetric{Type: e.Metric, Value: strconv.FormatFloat(e.Value, 'g', -1, 64), Slice: slice})
				}
			}
			comp := cdxComponent{Type: "machine-learning-model", BOMRef: ref, Name: m.Name, Version: m.Version, ModelCard: card}
			if m.Provider != "" {
				comp.Supplier = &cdxOrganization{Name: m.Provider}
			}
			if m.License != "" {
				comp.Licenses = []cdxLicenseChoice{{License: cdxLicense{Name: m.License}}}
			}
			bom.Components = append(bom.Components, comp)
			sysDeps.DependsOn = append(sysDeps.DependsOn, ref)
			if len(deps) > 0 {
				bom.Dependencies = append(bom.Dependencies, cdxDependency{Ref: ref, DependsOn: uniq(deps)})
			}
		}
		bom.Dependencies = append(bom.Dependencies, sysDeps)
	}
	return json.MarshalIndent(bom, "", "  ")
}

// gpaiProperties are the modelCard properties of a general-purpose AI
// model: that it is one (EU AI Act Art. 3(63)), whether it has systemic
// risk and on what ground (Art. 51), its training compute when stated, and
// the provisions its provider's obligations come from (Art. 52, 53, 55).
func gpaiProperties(m Model, g GeneralPurposeClassification) []cdxProperty {
	ps := []cdxProperty{
		{Name: "aims.inventory.gpai_model", Value: "true"},
		{Name: "aims.inventory.gpai_systemic_risk", Value: strconv.FormatBool(g.SystemicRisk)},
	}
	if g.SystemicRisk {
		ps = append(ps, cdxProperty{Name: "aims.inventory.gpai_systemic_risk_basis", Value: string(g.Basis)})
	}
	if c := m.GeneralPurpose.TrainingComputeFLOP; c > 0 {
		ps = append(ps, cdxProperty{Name: "aims.inventory.gpai_training_compute_flop", Value: formatFLOP(c)})
	}
	for _, r := range g.References {
		ps = append(ps, cdxProperty{Name: "aims.inventory.eu_ai_act_reference", Value: r})
	}
	return ps
}

// refPart escapes a free-text part of a bom-ref (a version, a model or
// data-source name) so that the separators "@" and "/" in it cannot make
// two components' refs equal: CycloneDX requires bom-refs to be unique in
// the BOM. Parts without '%', '@' or '/' are unchanged.
func refPart(s string) string {
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "@", "%40")
	return strings.ReplaceAll(s, "/", "%2F")
}

// The CycloneDX 1.6 JSON structures used, with the field names of the
// specification (https://cyclonedx.org/docs/1.6/json/).
type cdxBOM struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Version      int             `json:"version"`
	Metadata     cdxMetadata     `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Dependencies []cdxDependency `json:"dependencies"`
}

type cdxMetadata struct {
	Timestamp string   `json:"timestamp"`
	Tools     cdxTools `json:"tools"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type        string             `json:"type"`
	BOMRef      string             `json:"bom-ref,omitempty"`
	Supplier    *cdxOrganization   `json:"supplier,omitempty"`
	Group       string             `json:"group,omitempty"`
	Name        string             `json:"name"`
	Version     string             `json:"version,omitempty"`
	Description string             `json:"description,omitempty"`
	Licenses    []cdxLicenseChoice `json:"licenses,omitempty"`
	ModelCard   *cdxModelCard      `json:"modelCard,omitempty"`
	Data        []cdxData          `json:"data,omitempty"`
	Properties  []cdxProperty      `json:"properties,omitempty"`
}

type cdxOrganization struct {
	Name string `json:"name"`
}

type cdxLicenseChoice struct {
	License cdxLicense `json:"license"`
}

type cdxLicense struct {
	Name string `json:"name"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxModelCard struct {
	ModelParameters      *cdxModelParameters `json:"modelParameters,omitempty"`
	QuantitativeAnalysis *cdxQuantitative    `json:"quantitativeAnalysis,omitempty"`
	Considerations       *cdxConsiderations  `json:"considerations,omitempty"`
	Properties           []cdxProperty       `json:"properties,omitempty"`
}

type cdxModelParameters struct {
	Task               string          `json:"task,omitempty"`
	ArchitectureFamily string          `json:"architectureFamily,omitempty"`
	Datasets           []cdxDatasetRef `json:"datasets,omitempty"`
}

type cdxDatasetRef struct {
	Ref string `json:"ref"`
}

type cdxQuantitative struct {
	PerformanceMetrics []cdxMetric `json:"performanceMetrics"`
}

type cdxMetric struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	Slice string `json:"slice,omitempty"`
}

type cdxConsiderations struct {
	Users                 []string  `json:"users,omitempty"`
	UseCases              []string  `json:"useCases,omitempty"`
	TechnicalLimitations  []string  `json:"technicalLimitations,omitempty"`
	EthicalConsiderations []cdxRisk `json:"ethicalConsiderations,omitempty"`
}

type cdxRisk struct {
	Name               string `json:"name"`
	MitigationStrategy string `json:"mitigationStrategy,omitempty"`
}

type cdxData struct {
	Type           string   `json:"type"`
	Name           string   `json:"name,omitempty"`
	Description    string   `json:"description,omitempty"`
	Classification string   `json:"classification,omitempty"`
	SensitiveData  []string `json:"sensitiveData,omitempty"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}
