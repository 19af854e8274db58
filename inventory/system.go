package inventory

import (
	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"

	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// SchemaVersion is the version of the JSON form of [System]. It travels with
// every registration record (attribute aims.inventory.schema_version) so a
// central inventory can tell which description format it is reading.
const SchemaVersion = "1"

// System describes one AI system as the inventory keeps it. The JSON form is
// the body of the aims.inventory.registration record and the document served
// by [Handler].
type System struct {
	// ID identifies the system across versions and instances. It is used
	// in URLs, so it may hold only letters, digits, '.', '_' and '-'.
	ID string `json:"id"`
	// Name is the human-readable name.
	Name string `json:"name"`
	// Version is the version of the system being registered.
	Version string `json:"version"`
	// Description says briefly what the system is.
	Description string `json:"description,omitempty"`
	// Purpose is the intended purpose (EU AI Act Art. 3(12)).
	Purpose string `json:"purpose"`
	// IntendedUse describes the intended users, context and conditions of use.
	IntendedUse string `json:"intendedUse"`
	// ForeseeableMisuse lists reasonably foreseeable misuse (Art. 3(13)).
	ForeseeableMisuse []string `json:"foreseeableMisuse,omitempty"`
	// Limitations lists known limitations of the system's performance.
	Limitations []string `json:"limitations,omitempty"`
	// Owner is the person or team that owns the system.
	Owner string `json:"owner"`
	// AccountableRoles names who is accountable for what (ISO/IEC 42001 A.3.2).
	AccountableRoles []Role `json:"accountableRoles,omitempty"`
	// ValueChainRoles are the organisation's roles in the AI value chain
	// for this system (the operators of Art. 3(8): provider, deployer,
	// authorised representative, importer, distributor, product
	// manufacturer); at least one is required.
	ValueChainRoles []ValueChainRole `json:"valueChainRoles"`
	// Models are the models the system uses, including third-party models.
	Models []Model `json:"models,omitempty"`
	// DataSources are the data the models were trained, validated or tested
	// on, or the system consumes, with their provenance.
	DataSources []DataSource `json:"dataSources,omitempty"`
	// HumanOversight lists the human-oversight measures (Art. 14).
	HumanOversight []string `json:"humanOversight,omitempty"`
	// UseCase is the structured description the risk level is derived
	// from. When present, RiskLevel must be at least as strict as
	// Classify(*UseCase) says.
	UseCase *UseCase `json:"useCase,omitempty"`
	// RiskLevel is the EU AI Act tier of the system. It may be left empty
	// when UseCase is given; Register then fills it in from [Classify].
	RiskLevel aims.RiskLevel `json:"riskLevel"`
	// Lifecycle is the lifecycle stage of the system.
	Lifecycle LifecycleStage `json:"lifecycleStage"`
	// Controls lists the ISO/IEC 42001 Annex A controls applied to the
	// system, by ID (for example "A.6.2.7").
	Controls []string `json:"controls,omitempty"`
	// LedgerKeys are the public verifier keys ("name+hash+base64", as
	// made by ledger.GenerateKey or given by ledger.CryptoSigner's
	// VerifierKey) that the checkpoints of the system's decision ledger
	// verify with. Publishing them in the registration gives auditors the
	// key by a path the ledger's host cannot rewrite, so a key stored
	// beside the ledger is never the one trusted. List the key in use and,
	// during a key rotation, the previous one. Private signing keys are
	// refused.
	LedgerKeys []string `json:"ledgerVerifierKeys,omitempty"`
	// Deployment binds the registration to the impact assessment,
	// deployment authorisation and changes it was admitted with. Register
	// fills it in from WithImpactAssessment, WithDeploymentAuthorisation
	// and WithChanges, replacing any value given.
	Deployment *DeploymentEvidence `json:"deploymentEvidence,omitempty"`
}

// Role is one accountable role for a system, such as the risk owner.
type Role struct {
	// Role names the responsibility, e.g. "risk owner" or "human reviewer".
	Role string `json:"role"`
	// Name is the person or team holding it.
	Name string `json:"name"`
	// Contact is how to reach them (e-mail address, channel, …).
	Contact string `json:"contact,omitempty"`
}

// ValueChainRole is the organisation's role in the AI value chain.
type ValueChainRole string

// The value-chain roles of the EU AI Act: the operators of Art. 3(8),
// that is the roles defined in Art. 3(3)–(7) and the product manufacturer.
const (
	// RoleProvider develops the system, or has it developed, and places it
	// on the market or puts it into service under its own name (Art. 3(3);
	// obligations in Art. 16).
	RoleProvider ValueChainRole = "provider"
	// RoleDeployer uses the system under its authority (Art. 3(4);
	// obligations in Art. 26).
	RoleDeployer ValueChainRole = "deployer"
	// RoleAuthorisedRepresentative is established in the Union and holds a
	// written mandate from a provider established outside it (Art. 3(5);
	// obligations in Art. 22).
	RoleAuthorisedRepresentative ValueChainRole = "authorised_representative"
	// RoleImporter places on the Union market a system bearing the name of
	// a person established outside the Union (Art. 3(6); obligations in
	// Art. 23).
	RoleImporter ValueChainRole = "importer"
	// RoleDistributor makes the system available on the Union market
	// without being its provider or importer (Art. 3(7); obligations in
	// Art. 24).
	RoleDistributor ValueChainRole = "distributor"
	// RoleProductManufacturer places the system on the market together
	// with its product covered by Annex I legislation, or puts it into
	// service, under its own name or trademark. Art. 3 does not define it
	// but lists it among the operators of Art. 3(8); it is considered the
	// provider of a high-risk system that is a safety component of its
	// product (Art. 25(3)).
	RoleProductManufacturer ValueChainRole = "product_manufacturer"
)

// valueChainRoleNames lists the roles for error messages.
const valueChainRoleNames = "provider, deployer, authorised_representative, importer, distributor or product_manufacturer"

func (r ValueChainRole) valid() bool {
	switch r {
	case RoleProvider, RoleDeployer, RoleAuthorisedRepresentative, RoleImporter, RoleDistributor, RoleProductManufacturer:
		return true
	}
	return false
}

// LifecycleStage is where the system is in its life cycle.
type LifecycleStage string

// The lifecycle stages the inventory distinguishes.
const (
	StageDesign      LifecycleStage = "design"
	StageDevelopment LifecycleStage = "development"
	StageDeployed    LifecycleStage = "deployed"
	StageRetired     LifecycleStage = "retired"
)

func (s LifecycleStage) valid() bool {
	switch s {
	case StageDesign, StageDevelopment, StageDeployed, StageRetired:
		return true
	}
	return false
}

// Model is one model used by a system.
type Model struct {
	// Name of the model.
	Name string `json:"name"`
	// Version of the model.
	Version string `json:"version,omitempty"`
	// Type is the kind of model, e.g. "gradient-boosted trees" or "large language model".
	Type string `json:"type,omitempty"`
	// Task is what the model does, e.g. "binary classification".
	Task string `json:"task,omitempty"`
	// Provider is the third party supplying the model (for example the
	// vendor of a hosted LLM); empty when the model is built in-house.
	Provider string `json:"provider,omitempty"`
	// Digest is the content digest of the model artefact, e.g.
	// "sha256:…"; a deployment authorisation that pins a digest is checked
	// against it.
	Digest string `json:"digest,omitempty"`
	// License is the model's licence (an SPDX identifier where one exists).
	License string `json:"license,omitempty"`
	// TrainingData refers to DataSource entries of the system by name.
	TrainingData []string `json:"trainingData,omitempty"`
	// Evaluations are the evaluation results of this version.
	Evaluations []Evaluation `json:"evaluations,omitempty"`
	// GeneralPurpose marks a general-purpose AI model (EU AI Act
	// Art. 3(63)) and states whether it has systemic risk (Art. 51); nil
	// for any other model. Its provider is Provider. See
	// [ClassifyGeneralPurposeModel] for the obligations that follow.
	GeneralPurpose *GeneralPurposeAI `json:"generalPurpose,omitempty"`
}

// Evaluation is one evaluation result of a model.
type Evaluation struct {
	// Metric is the name of the metric, e.g. "AUC" or "demographic parity difference".
	Metric string `json:"metric"`
	// Value is the measured value; it must be finite.
	Value float64 `json:"value"`
	// Dataset names the data set it was measured on.
	Dataset string `json:"dataset,omitempty"`
	// Slice names the subgroup it was measured on, if not the whole data set.
	Slice string `json:"slice,omitempty"`
}

// DataSource is one data set or data feed, with its provenance.
type DataSource struct {
	// Name identifies the data source within the system.
	Name string `json:"name"`
	// Description says what the data is.
	Description string `json:"description,omitempty"`
	// Provenance says where the data comes from and how it was obtained.
	Provenance string `json:"provenance"`
	// Purpose is what the data is used for: training, validation, testing, input, …
	Purpose string `json:"purpose,omitempty"`
	// License is the data's licence or terms of use.
	License string `json:"license,omitempty"`
	// PersonalData marks data that contains personal data.
	PersonalData bool `json:"personalData,omitempty"`
}

// FieldError is one validation problem of a [System], naming the field by
// its JSON path (for example "models[1].name").
type FieldError struct {
	Field   string // JSON path of the field, e.g. "models[1].name"
	Problem string // what is wrong with it, e.g. "is required"
}

// Error names the field and its problem.
func (e *FieldError) Error() string {
	return "inventory: " + e.Field + ": " + e.Problem
}

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	controlPattern = regexp.MustCompile(`^A\.[0-9]+(\.[0-9]+)*$`)
	digestPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_+.-]*:[0-9a-fA-F]{32,}$`)
)

// Validate checks that the description is complete and consistent: required
// fields present, enumerations known, evaluation values finite, references
// between models and data sources resolvable, and the declared risk level at
// least as strict as the one derived from the use case. It returns every
// problem found, each a *[FieldError], joined with errors.Join.
func (s System) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	required := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			add(field, "is required")
		}
	}

	if strings.TrimSpace(s.ID) == "" {
		add("id", "is required")
	} else if !idPattern.MatchString(s.ID) {
		add("id", "%q may hold only letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)", s.ID)
	}
	required("name", s.Name)
	required("version", s.Version)
	required("purpose", s.Purpose)
	required("intendedUse", s.IntendedUse)
	required("owner", s.Owner)

	for i, r := range s.AccountableRoles {
		required(fmt.Sprintf("accountableRoles[%d].role", i), r.Role)
		required(fmt.Sprintf("accountableRoles[%d].name", i), r.Name)
	}
	if len(s.ValueChainRoles) == 0 {
		add("valueChainRoles", "at least one role is required (%s)", valueChainRoleNames)
	}
	for i, r := range s.ValueChainRoles {
		if !r.valid() {
			add(fmt.Sprintf("valueChainRoles[%d]", i), "unknown role %q (want %s)", string(r), valueChainRoleNames)
		}
	}

	if s.Lifecycle == "" {
		add("lifecycleStage", "is required (design, development, deployed or retired)")
	} else if !s.Lifecycle.valid() {
		add("lifecycleStage", "unknown stage %q (want design, development, deployed or retired)", string(s.Lifecycle))
	}

	dataNames := map[string]bool{}
	for i, d := range s.DataSources {
		f := fmt.Sprintf("dataSources[%d]", i)
		required(f+".name", d.Name)
		required(f+".provenance", d.Provenance)
		if d.Name != "" {
			if dataNames[d.Name] {
				add(f+".name", "duplicate data source %q", d.Name)
			}
			dataNames[d.Name] = true
		}
	}
	modelKeys := map[string]bool{}
	for i, m := range s.Models {
		f := fmt.Sprintf("models[%d]", i)
		required(f+".name", m.Name)
		if m.Digest != "" && !digestPattern.MatchString(m.Digest) {
			add(f+".digest", "%q is not a digest of the form sha256:<hex>", m.Digest)
		}
		if key := m.Name + "@" + m.Version; m.Name != "" {
			if modelKeys[key] {
				add(f+".name", "duplicate model %q version %q", m.Name, m.Version)
			}
			modelKeys[key] = true
		}
		for j, ref := range m.TrainingData {
			if !dataNames[ref] {
				add(fmt.Sprintf("%s.trainingData[%d]", f, j), "refers to data source %q, which is not in dataSources", ref)
			}
		}
		for j, e := range m.Evaluations {
			ef := fmt.Sprintf("%s.evaluations[%d]", f, j)
			required(ef+".metric", e.Metric)
			if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
				add(ef+".value", "is %v; an evaluation result must be a finite number", e.Value)
			}
		}
		errs = append(errs, m.GeneralPurpose.validate(f+".generalPurpose")...)
	}

	for i, c := range s.Controls {
		if !controlPattern.MatchString(c) {
			add(fmt.Sprintf("controls[%d]", i), "%q is not an ISO/IEC 42001 Annex A control ID like \"A.6.2.7\"", c)
		} else if err := checkControl(c); err != nil {
			add(fmt.Sprintf("controls[%d]", i), "%v", err)
		}
	}

	seenKeys := map[string]bool{}
	for i, k := range s.LedgerKeys {
		f := fmt.Sprintf("ledgerVerifierKeys[%d]", i)
		if strings.HasPrefix(strings.TrimSpace(k), "PRIVATE+KEY+") {
			// Never echo it: the description is published.
			add(f, "is a private signing key; publish only the public verifier key (ledger.VerifierKeyOf) and keep the private key secret")
			continue
		}
		if _, err := ledger.NewVerifier(k); err != nil {
			add(f, "%q is not a signed-note verifier key (name+hash+base64): %s", k, strings.TrimPrefix(err.Error(), "ledger: "))
			continue
		}
		if k != strings.TrimSpace(k) {
			add(f, "%q has leading or trailing white space", k)
			continue
		}
		if seenKeys[k] {
			add(f, "duplicate key %q", k)
		}
		seenKeys[k] = true
	}

	errs = append(errs, s.validateRisk()...)
	return errors.Join(errs...)
}

// validateRisk checks the declared risk level against the use case.
func (s System) validateRisk() []error {
	var derived aims.RiskLevel
	if s.UseCase != nil {
		c, err := Classify(*s.UseCase)
		if err != nil {
			return []error{&FieldError{Field: "useCase", Problem: strings.TrimPrefix(err.Error(), "inventory: ")}}
		}
		derived = c.Level
	}
	switch {
	case s.RiskLevel == "" && s.UseCase == nil:
		return []error{&FieldError{Field: "riskLevel", Problem: "is required when no useCase is given (prohibited, high, limited or minimal)"}}
	case s.RiskLevel == "":
		// Register fills it in from the use case.
	case !s.RiskLevel.Valid():
		return []error{&FieldError{Field: "riskLevel", Problem: fmt.Sprintf("unknown risk level %q (want prohibited, high, limited or minimal)", string(s.RiskLevel))}}
	case s.UseCase != nil && !s.RiskLevel.AtLeast(derived):
		return []error{&FieldError{Field: "riskLevel", Problem: fmt.Sprintf("declared %q but the use case is classified %q; a system may be declared stricter than its use case, never more lenient", s.RiskLevel, derived)}}
	}
	level := s.RiskLevel
	if level == "" {
		level = derived
	}
	if level == aims.RiskProhibited && s.Lifecycle == StageDeployed {
		return []error{&FieldError{Field: "lifecycleStage", Problem: "a prohibited AI practice (EU AI Act Art. 5) cannot be deployed"}}
	}
	return nil
}

// effectiveRiskLevel is the declared level or, if none, the derived one.
// It assumes Validate succeeded.
func (s System) effectiveRiskLevel() aims.RiskLevel {
	if s.RiskLevel != "" || s.UseCase == nil {
		return s.RiskLevel
	}
	c, err := Classify(*s.UseCase)
	if err != nil {
		return ""
	}
	return c.Level
}

// clone returns a deep copy, so a registry never shares slices with callers.
func (s System) clone() System {
	c := s
	c.ForeseeableMisuse = append([]string(nil), s.ForeseeableMisuse...)
	c.Limitations = append([]string(nil), s.Limitations...)
	c.AccountableRoles = append([]Role(nil), s.AccountableRoles...)
	c.ValueChainRoles = append([]ValueChainRole(nil), s.ValueChainRoles...)
	c.DataSources = append([]DataSource(nil), s.DataSources...)
	c.HumanOversight = append([]string(nil), s.HumanOversight...)
	c.Controls = append([]string(nil), s.Controls...)
	c.LedgerKeys = append([]string(nil), s.LedgerKeys...)
	if s.Models != nil {
		c.Models = make([]Model, len(s.Models))
		for i, m := range s.Models {
			m.TrainingData = append([]string(nil), m.TrainingData...)
			m.Evaluations = append([]Evaluation(nil), m.Evaluations...)
			if m.GeneralPurpose != nil {
				g := *m.GeneralPurpose
				m.GeneralPurpose = &g
			}
			c.Models[i] = m
		}
	}
	if s.UseCase != nil {
		u := *s.UseCase
		c.UseCase = &u
	}
	c.Deployment = s.Deployment.clone()
	return c
}
