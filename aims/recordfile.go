package aims

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aimskit/aimskit/internal/identity"
)

// Management-system record files (impact assessments, deployment
// authorisations, change records, risk registers) are kept as code: YAML
// or JSON files in the service's repository, reviewed like code. They are
// read by one strict decoder over yaml.Node (JSON is read as the YAML
// subset it is), which reports every problem with its line and field
// path: unknown fields, duplicate keys, wrong value types, a second
// document in the file, aliases. The Validate methods then check the
// content and report missing sections and bad values with the same line
// and path.

// RecordFileError is one problem in a management-system record file (or in
// a record built in Go, which has no file and no lines), located by file,
// line and field path such as "harms[2].severity".
type RecordFileError struct {
	Kind  string // what the file holds: "impact assessment", "risk register", …
	File  string // file name, when the record was loaded from a file
	Line  int    // 1-based source line; 0 when unknown
	Field string // field path such as "harms[2].severity"; empty for the whole file
	Msg   string // what is wrong, for people
}

// Error formats e as "aims: <kind>: <file>:<line>: <field>: <message>",
// leaving out the parts that are unknown ("line N" when there is no file).
func (e *RecordFileError) Error() string {
	var b strings.Builder
	b.WriteString("aims: ")
	b.WriteString(e.Kind)
	b.WriteString(": ")
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// positions maps field paths ("", "harms", "harms[2]",
// "harms[2].severity") to the source line they were read from.
type positions map[string]int

// line returns the line of path, or of its closest enclosing field that
// has one (so a missing field is reported at the mapping that lacks it).
func (p positions) line(path string) int {
	for {
		if l, ok := p[path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		path = parentPath(path)
	}
}

// parentPath strips the last segment of a field path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// joinPath appends a field name to a path.
func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// fileDecoder decodes one record file into a Go value, strictly.
type fileDecoder struct {
	kind, file string
	pos        positions
	errs       []error
}

// decodeRecordFile decodes data (YAML or JSON) into v, a pointer to a
// struct whose fields carry json tags: the tag names are the file's field
// names. It returns the positions of the fields read and the structural
// problems (unknown fields, wrong types, …) of the fields it skipped; an
// error when the file cannot be read as one mapping at all.
func decodeRecordFile(kind, file string, data []byte, v any) (positions, []error, error) {
	d := &fileDecoder{kind: kind, file: file, pos: positions{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, d.fail(0, "", "the file is empty")
		}
		return nil, nil, d.fail(yamlErrorLine(err), "", "malformed YAML or JSON: "+strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, nil, d.fail(next.Line, "", "the file holds a second document; keep one record per file")
	case !errors.Is(err, io.EOF):
		return nil, nil, d.fail(yamlErrorLine(err), "", "malformed YAML or JSON after the first document: "+strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, nil, d.fail(0, "", "the file is empty")
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, nil, d.fail(doc.Line, "", "the top level must be a mapping of field names to values")
	}
	d.value(doc, reflect.ValueOf(v).Elem(), "")
	return d.pos, d.errs, nil
}

// parseRecord decodes a record file into rec and validates it. It reports
// the structural problems and the content problems together, ordered by
// line; a content problem of a field that already has a structural one
// (a severity that is no point of the scale is not also "missing") is
// left out.
func parseRecord(kind, file string, data []byte, rec any, setPos func(positions), validate func() []error) error {
	pos, structural, err := decodeRecordFile(kind, file, data, rec)
	if err != nil {
		return err
	}
	setPos(pos)
	all := structural
	for _, e := range validate() {
		var fe *RecordFileError
		if errors.As(e, &fe) && slices.ContainsFunc(structural, func(s error) bool {
			var se *RecordFileError
			return errors.As(s, &se) && se.Field != "" && (fe.Field == se.Field ||
				strings.HasPrefix(fe.Field, se.Field+".") || strings.HasPrefix(fe.Field, se.Field+"["))
		}) {
			continue
		}
		all = append(all, e)
	}
	slices.SortStableFunc(all, func(a, b error) int {
		var ae, be *RecordFileError
		errors.As(a, &ae)
		errors.As(b, &be)
		if ae == nil || be == nil {
			return 0
		}
		return ae.Line - be.Line
	})
	return errors.Join(all...)
}

var yamlLine = regexp.MustCompile(`line ([0-9]+)`)

// yamlErrorLine extracts the line number from a yaml.v3 syntax error.
func yamlErrorLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func (d *fileDecoder) fail(line int, field, msg string) error {
	return &RecordFileError{Kind: d.kind, File: d.file, Line: line, Field: field, Msg: msg}
}

func (d *fileDecoder) errorf(line int, field, format string, args ...any) {
	d.errs = append(d.errs, d.fail(line, field, fmt.Sprintf(format, args...)))
}

var (
	timeType = reflect.TypeFor[time.Time]()
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// isNull reports a YAML null (an empty value, "~" or "null").
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// value decodes n into v, recording errors under path.
func (d *fileDecoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		d.errorf(n.Line, path, "aliases (*%s) are not supported; write the value out", n.Value)
		return
	}
	if isNull(n) {
		return // left at its zero value; Validate reports it if required
	}
	t := v.Type()
	switch {
	case t == timeType:
		d.time(n, v, path)
		return
	case reflect.PointerTo(t).Implements(textType):
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, path, "must be a single value, not a list or mapping")
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		d.value(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		d.mapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, path, "must be a list")
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.pos[p] = item.Line
			d.value(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, path, "must be a single value, not a list or mapping")
			return
		}
		if n.Tag == "!!bool" {
			d.errorf(n.Line, path, "want text, got the boolean %s (quote it if it is meant as text)", n.Value)
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n.Line, path, "want true or false, got %s", describeNode(n))
			return
		}
		switch n.Value {
		case "true", "True", "TRUE":
			v.SetBool(true)
		case "false", "False", "FALSE":
			v.SetBool(false)
		default:
			// An explicit !!bool tag on another spelling ("yes", "on", "1"):
			// YAML 1.2 has no such boolean, and reading it as false would
			// drop what the writer meant.
			d.errorf(n.Line, path, "want true or false, got %q", n.Value)
		}
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errorf(n.Line, path, "want a whole number, got %s", describeNode(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			d.errorf(n.Line, path, "want a whole number, got %q", n.Value)
			return
		}
		v.SetInt(i)
	default:
		// Only reachable by a programming error in this package.
		d.errorf(n.Line, path, "cannot hold a value of Go type %s", t)
	}
}

// describeNode names what a node holds, for type errors.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// mapping decodes a YAML mapping into the struct v by json tag names.
func (d *fileDecoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping with the fields %s, got %s", strings.Join(fieldNames(t), ", "), describeNode(n))
		return
	}
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = n.Line
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.errorf(key.Line, path, "field names must be plain text")
			continue
		}
		p := joinPath(path, key.Value)
		if prev, dup := seen[key.Value]; dup {
			d.errorf(key.Line, p, "is given twice (first on line %d)", prev)
			continue
		}
		seen[key.Value] = key.Line
		idx, ok := fields[key.Value]
		if !ok {
			d.errorf(key.Line, p, "unknown field; known: %s", strings.Join(fieldNames(t), ", "))
			continue
		}
		d.pos[p] = key.Line
		d.value(val, v.Field(idx), p)
	}
}

// jsonName returns the json tag name of an exported field, or "".
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// time decodes a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func (d *fileDecoder) time(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!timestamp") {
		d.errorf(n.Line, path, "want a date (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-03-01T14:00:00Z), got %s", describeNode(n))
		return
	}
	t, err := parseRecordTime(n.Value)
	if err != nil {
		d.errorf(n.Line, path, "%s", err.Error())
		return
	}
	v.Set(reflect.ValueOf(t))
}

// parseRecordTime reads a date as midnight UTC, or an RFC 3339 time in UTC.
func parseRecordTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && rfc3339Strict(s) {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("want a date (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-03-01T14:00:00Z), got %q", s)
}

// rfc3339Strict reports whether s, which time.Parse read as RFC 3339,
// also keeps to the grammar of RFC 3339 section 5.6 where time.Parse is
// lenient: a fraction of a second follows a full stop (not a comma), and
// an offset's hours are 00–23.
func rfc3339Strict(s string) bool {
	if strings.ContainsRune(s, ',') {
		return false
	}
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') {
		h, err := strconv.Atoi(s[n-5 : n-3])
		return err == nil && h <= 23
	}
	return true
}

// loadRecordFile reads a file for a parse function taking a file name.
func loadRecordFile[T any](kind, path string, parse func(data []byte, file string) (*T, error)) (*T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aims: %s: %w", kind, err)
	}
	return parse(data, path)
}

// validator collects content problems of one record, located through the
// positions its file was read with.
type validator struct {
	kind, file string
	pos        positions
	errs       []error
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &RecordFileError{Kind: v.kind, File: v.file, Line: v.pos.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

// required reports an empty (or blank) text field.
func (v *validator) required(path, s string) bool {
	if strings.TrimSpace(s) == "" {
		v.add(path, "is required")
		return false
	}
	return true
}

// id checks an identifier: required, and letters, digits and ._:/- only.
func (v *validator) id(path, s string) {
	if v.required(path, s) && !recordIDPattern.MatchString(s) {
		v.add(path, "%q may hold only letters, digits, '.', '_', ':', '/' and '-' (at most 128, starting with a letter or digit)", s)
	}
}

// controls checks a list of Annex A control IDs: each must be in the
// catalog. want says whether the list may be empty.
func (v *validator) controls(path string, ids []string, want bool) {
	if want && len(ids) == 0 {
		v.add(path, "name at least one Annex A control, e.g. A.6.2.6")
	}
	seen := map[string]bool{}
	for i, c := range ids {
		p := fmt.Sprintf("%s[%d]", path, i)
		id := NormalizeControlID(c)
		if _, ok := LookupControl(id); !ok {
			v.add(p, "unknown Annex A control ID %q", c)
			continue
		}
		if seen[id] {
			v.add(p, "control %s is listed twice", id)
		}
		seen[id] = true
	}
}

// digest checks a content digest "<algorithm>:<hex>".
func (v *validator) digest(path, s string) {
	if s != "" && !digestPattern.MatchString(s) {
		v.add(path, "%q is not a digest of the form sha256:<64 hex digits> (or another algorithm:hex)", s)
	}
}

var (
	recordIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`)
	digestPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_+.-]*:[0-9a-fA-F]{32,}$`)
	monitorPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]*:\S+$`)
)

// Approval is one named person's approval in a given role at a given
// time. The same shape serves the approval of an impact assessment and
// the approvals of deployment authorisations and change records.
type Approval struct {
	// ApprovedBy names the person who approved.
	ApprovedBy string `json:"approved_by"`
	// Role is the role they approved in, e.g. "Head of Credit Risk"
	// (A.3.2: approvals are given by named roles).
	Role string `json:"role"`
	// ApprovedAt is when they approved.
	ApprovedAt time.Time `json:"approved_at"`
}

// check validates one approval at path.
func (a Approval) check(v *validator, path string) {
	if v.required(path+".approved_by", a.ApprovedBy) {
		v.person(path+".approved_by", a.ApprovedBy)
	}
	v.required(path+".role", a.Role)
	if a.ApprovedAt.IsZero() {
		v.add(path+".approved_at", "is required")
	}
}

// samePerson compares two names as people write them: case, Unicode
// normal form and compatibility variants (NFKC: "é" composed or not, a
// fullwidth letter, a no-break space), invisible format characters
// (zero-width space, direction marks) and the amount of white space do
// not matter. Separation of duties compares people, so one person's name
// spelt two ways must not count as two people.
func samePerson(a, b string) bool {
	return personKey(a) == personKey(b)
}

// personKey is the form of a name samePerson compares: the identity fold
// the oversight gate also uses (invisible characters dropped, NFKC, lower
// case), with every run of white space one space. It is empty for a name
// with nothing visible.
func personKey(s string) string {
	return strings.Join(strings.Fields(identity.Fold(s)), " ")
}

// person refuses a name at path with a word that mixes scripts
// (internal/identity.CheckScripts: Unicode UTS #39, "highly restrictive"),
// such as "Dave" with a Cyrillic "а". Such a name reads as another
// person's in every report, and separation of duties cannot tell whether
// it is that person or a second one (that would need the confusables
// data of UTS #39), so it is not evidence of either; the record names
// the person in one script.
func (v *validator) person(path, name string) {
	if err := identity.CheckScripts(identity.Fold(name)); err != nil {
		v.add(path, "%q: %v; write the name in one script", name, err)
	}
}

// checkFourEyes validates the approvals of a submission: at least two
// distinct approvers, none of them the submitter (separation of duties: a
// submitter's approval of their own submission is never evidence), nobody
// approving twice, and no approval before the submission. A submitter or
// approver whose name mixes scripts (validator.person) is refused and
// counts as nobody.
func checkFourEyes(v *validator, path, submitter string, submitted time.Time, approvals []Approval) {
	v.person("submitted_by", submitter)
	var distinct []string
	for i, a := range approvals {
		p := fmt.Sprintf("%s[%d]", path, i)
		a.check(v, p)
		name := strings.TrimSpace(a.ApprovedBy)
		if personKey(name) == "" || identity.CheckScripts(identity.Fold(name)) != nil {
			continue
		}
		if samePerson(name, submitter) {
			v.add(p+".approved_by", "%q is the submitter; a submission needs approvers other than the person who submitted it", name)
			continue
		}
		if j := slices.IndexFunc(distinct, func(s string) bool { return samePerson(s, name) }); j >= 0 {
			v.add(p+".approved_by", "%q has already approved; each approver counts once", name)
			continue
		}
		distinct = append(distinct, name)
		if !submitted.IsZero() && !a.ApprovedAt.IsZero() && a.ApprovedAt.Before(submitted) {
			v.add(p+".approved_at", "%s is before the submission (%s)", formatRecordTime(a.ApprovedAt), formatRecordTime(submitted))
		}
	}
	if len(distinct) < 2 {
		v.add(path, "needs two distinct approvers other than the submitter, has %d", len(distinct))
	}
}

// canonicalDigest returns "sha256:" and the hex SHA-256 of v's canonical
// JSON: encoding/json's output for v without HTML escaping and without
// the trailing newline.
func canonicalDigest(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	sum := sha256.Sum256(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// normalizeControls returns the control IDs normalised (NormalizeControlID).
func normalizeControls(ids []string) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, c := range ids {
		out[i] = NormalizeControlID(c)
	}
	return out
}

// utc returns t in UTC (the zero time stays zero).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// formatRecordTime shows a date as YYYY-MM-DD and any other time in RFC 3339.
func formatRecordTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// unionControls merges control lists, normalised, in first-seen order.
func unionControls(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, c := range l {
			c = NormalizeControlID(c)
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
