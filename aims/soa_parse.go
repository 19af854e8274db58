package aims

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// ParseSoA parses a Statement of Applicability from JSON or YAML (JSON is
// read as the YAML subset it is, so both report errors by line). Unknown
// fields, wrong value types and structural mistakes are errors naming the
// line and the field. ParseSoA does not check the content against the
// catalog; call Validate for that.
func ParseSoA(data []byte) (*SoA, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("aims: soa: malformed file: %w", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, errors.New("aims: soa: file is empty")
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &SoAError{Line: doc.Line, Msg: "top level must be a mapping with organization and controls"}
	}
	s := &SoA{}
	var haveControls bool
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		var err error
		switch key.Value {
		case "organization":
			s.Organization, err = scalarString(val, key.Value)
		case "scope":
			s.Scope, err = scalarString(val, key.Value)
		case "version":
			s.Version, err = scalarString(val, key.Value)
		case "date":
			s.Date, err = scalarString(val, key.Value)
		case "approved_by":
			s.ApprovedBy, err = scalarString(val, key.Value)
		case "controls":
			haveControls = true
			s.Controls, err = parseSoAEntries(val)
		default:
			err = &SoAError{Line: key.Line, Field: key.Value, Msg: "unknown field; known: organization, scope, version, date, approved_by, controls"}
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveControls {
		return nil, &SoAError{Line: doc.Line, Field: "controls", Msg: "is missing"}
	}
	return s, nil
}

func parseSoAEntries(n *yaml.Node) ([]SoAEntry, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, &SoAError{Line: n.Line, Field: "controls", Msg: "must be a list of control entries"}
	}
	out := make([]SoAEntry, 0, len(n.Content))
	for i, item := range n.Content {
		path := fmt.Sprintf("controls[%d]", i)
		if item.Kind != yaml.MappingNode {
			return nil, &SoAError{Line: item.Line, Field: path, Msg: "must be a mapping with control, applicable, …"}
		}
		e := SoAEntry{line: item.Line}
		var haveApplicable bool
		for j := 0; j+1 < len(item.Content); j += 2 {
			key, val := item.Content[j], item.Content[j+1]
			field := path + "." + key.Value
			var err error
			switch key.Value {
			case "control":
				e.Control, err = scalarString(val, field)
			case "applicable":
				haveApplicable = true
				if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
					err = &SoAError{Line: val.Line, Field: field, Msg: fmt.Sprintf("want true or false, got %q", val.Value)}
				} else {
					err = val.Decode(&e.Applicable)
				}
			case "justification":
				e.Justification, err = scalarString(val, field)
			case "status":
				var st string
				st, err = scalarString(val, field)
				e.Status = ImplementationStatus(st)
			case "owner":
				e.Owner, err = scalarString(val, field)
			case "notes":
				e.Notes, err = scalarString(val, field)
			case "evidence":
				e.Evidence, err = stringList(val, field)
			default:
				err = &SoAError{Line: key.Line, Field: field, Msg: "unknown field; known: control, applicable, justification, status, evidence, owner, notes"}
			}
			if err != nil {
				return nil, err
			}
		}
		if !haveApplicable {
			return nil, &SoAError{Line: item.Line, Field: path + ".applicable", Control: e.Control, Msg: "is missing; say true or false"}
		}
		out = append(out, e)
	}
	return out, nil
}

func scalarString(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", &SoAError{Line: n.Line, Field: field, Msg: "must be a single value, not a list or mapping"}
	}
	return n.Value, nil
}

func stringList(n *yaml.Node, field string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, &SoAError{Line: n.Line, Field: field, Msg: "must be a list of strings"}
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := scalarString(c, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
