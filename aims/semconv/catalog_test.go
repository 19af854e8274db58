package semconv

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestCatalogNamesAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	// first is the first entry of each kind and name: a name two packages
	// emit has an entry for each, which must agree on its type and unit.
	first := map[string]Entry{}
	name := regexp.MustCompile(`^(aims|gen_ai)(\.[a-z0-9_<>]+)+$`)
	spanName := regexp.MustCompile(`^(aims|oversight)(\.[a-z0-9_]+)+$`)
	otelName := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	for _, e := range Catalog() {
		key := string(e.Kind) + " " + e.Name
		if seen[key+" "+e.Package] {
			t.Errorf("%s is registered twice for package %s", key, e.Package)
		}
		seen[key+" "+e.Package] = true
		if f, ok := first[key]; !ok {
			first[key] = e
		} else if e.Kind == KindScope || f.Type != e.Type || f.Unit != e.Unit || f.Brief != e.Brief && e.Kind == KindAttribute || f.Package == AllPackages || e.Package == AllPackages {
			// A scope is one package's. An attribute key means the same
			// under every scope: its entries differ only in Package, and
			// one for all packages is its only one.
			t.Errorf("%s is registered for %s as %s %q and for %s as %s %q: only an attribute, event, metric or span may have an entry per package, all alike, and not beside one for all packages",
				key, f.Package, f.Type, f.Unit, e.Package, e.Type, e.Unit)
		}
		if e.Brief == "" {
			t.Errorf("%s has no description", key)
		}
		switch e.Kind {
		case KindScope:
			if !strings.HasPrefix(e.Name, ScopePrefix) {
				t.Errorf("scope %s is not an aimskit import path", e.Name)
			}
		case KindAttribute, KindEvent, KindMetric:
			if e.OTel {
				if e.GenAI || e.Kind != KindAttribute || name.MatchString(e.Name) || !otelName.MatchString(e.Name) {
					t.Errorf("%s: only an attribute outside aims.* and gen_ai.* can be an OpenTelemetry convention", key)
				}
				break
			}
			if !name.MatchString(e.Name) {
				t.Errorf("%s is not in the aims.* or gen_ai.* namespace", key)
			}
			if e.GenAI != strings.HasPrefix(e.Name, "gen_ai.") {
				t.Errorf("%s: GenAI flag and name disagree", key)
			}
		case KindSpan:
			// The GenAI client span is named as the GenAI conventions
			// name it, from two attributes; the others are aims.* or, as
			// they always were, oversight.*.
			genai := e.Name == "{"+string(GenAIOperationName)+"} {"+string(GenAIRequestModel)+"}"
			if !genai && !spanName.MatchString(e.Name) {
				t.Errorf("%s is not in the aims.* or oversight.* namespace", key)
			}
			if e.GenAI != genai || e.OTel {
				t.Errorf("%s: GenAI or OTel flag wrong", key)
			}
			if e.Type != "internal" && e.Type != "client" {
				t.Errorf("%s: span kind %q", key, e.Type)
			}
		default:
			t.Errorf("%s has unknown kind", key)
		}
		if e.Kind == KindMetric && (e.Type == "" || e.Unit == "") {
			t.Errorf("metric %s needs an instrument type and a unit", e.Name)
		}
	}
	// An attribute, event, metric or span comes under the scope of the
	// package that emits it, so that package must have a published scope.
	for _, e := range Catalog() {
		if e.Kind == KindAttribute && e.Package == AllPackages {
			continue
		}
		if e.Kind != KindScope && !seen[string(KindScope)+" "+ScopePrefix+"/"+e.Package+" "+e.Package] {
			t.Errorf("%s %s is published for package %q, which has no published scope %s/%s", e.Kind, e.Name, e.Package, ScopePrefix, e.Package)
		}
	}
	if len(seen) < 30 {
		t.Fatalf("catalog has only %d names", len(seen))
	}
}

// The README's table is what auditors build queries from: it must list
// exactly the catalog. Regenerate with
// go run ./aims/semconv/cmd/semconvtable -w README.md
func TestReadmeTableIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("reading README: %v", err)
	}
	want, err := ReplaceTable(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Fatal("README.md telemetry table is stale: run go run ./aims/semconv/cmd/semconvtable -w README.md")
	}
}

// repoURL is the prefix of SchemaURL before a path in the repository: the
// raw content of the repository's main branch.
const repoURL = "https://raw.githubusercontent.com/aimskit/aimskit/main/"

// schemaFile is an OpenTelemetry schema file, Schema File Format 1.1.0,
// with the changes aimskit's conventions use (renames); a key it does not
// know fails the decoding.
type schemaFile struct {
	FileFormat string                    `yaml:"file_format"`
	SchemaURL  string                    `yaml:"schema_url"`
	Versions   map[string]*schemaVersion `yaml:"versions"`
}

type schemaVersion struct {
	All        *schemaChanges `yaml:"all"`
	Resources  *schemaChanges `yaml:"resources"`
	Spans      *schemaChanges `yaml:"spans"`
	SpanEvents *schemaChanges `yaml:"span_events"`
	Metrics    *schemaChanges `yaml:"metrics"`
	Logs       *schemaChanges `yaml:"logs"`
}

type schemaChanges struct {
	Changes []struct {
		RenameAttributes *struct {
			AttributeMap   map[string]string `yaml:"attribute_map"`
			ApplyToSpans   []string          `yaml:"apply_to_spans"`
			ApplyToEvents  []string          `yaml:"apply_to_events"`
			ApplyToMetrics []string          `yaml:"apply_to_metrics"`
		} `yaml:"rename_attributes"`
		RenameEvents *struct {
			NameMap map[string]string `yaml:"name_map"`
		} `yaml:"rename_events"`
		RenameMetrics map[string]string `yaml:"rename_metrics"`
	} `yaml:"changes"`
}

// readSchemaFile decodes the schema file at path.
func readSchemaFile(t *testing.T, path string) schemaFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f schemaFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s is not a schema file: %v", path, err)
	}
	return f
}

// TestSchemaFileMatchesSchemaURL checks that the schema URL every Tracer,
// Meter and Logger carries names a schema file the repository ships: the
// URL's last path segment is ConventionsVersion, the URL is the raw
// content of schemas/conventions/<ConventionsVersion> on main, and that
// file is an OpenTelemetry schema file (format 1.1.0) whose schema_url is
// SchemaURL and whose newest version is ConventionsVersion. It also checks
// every schema file in schemas/conventions (each names its own URL, and
// older ones stay published) and the renames they list: each renamed
// name is gone from the catalog and each new name is in it.
func TestSchemaFileMatchesSchemaURL(t *testing.T) {
	rel, ok := strings.CutPrefix(SchemaURL, repoURL)
	if !ok {
		t.Fatalf("SchemaURL %s is not a path of the repository's main branch (%s)", SchemaURL, repoURL)
	}
	if rel != "schemas/conventions/"+ConventionsVersion || path.Base(SchemaURL) != ConventionsVersion {
		t.Errorf("SchemaURL %s: want %sschemas/conventions/%s, ending in the version", SchemaURL, repoURL, ConventionsVersion)
	}
	dir := filepath.FromSlash("../../schemas/conventions")
	if _, err := os.Stat(filepath.Join(dir, ConventionsVersion)); err != nil {
		t.Fatalf("no schema file for conventions %s at the schema URL: %v", ConventionsVersion, err)
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	catalogued := map[string]bool{}
	for _, e := range Catalog() {
		catalogued[string(e.Kind)+" "+e.Name] = true
	}
	semver := regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	for _, de := range files {
		name := de.Name()
		f := readSchemaFile(t, filepath.Join(dir, name))
		if f.FileFormat != "1.1.0" {
			t.Errorf("%s: file_format %q, want 1.1.0", name, f.FileFormat)
		}
		if want := repoURL + "schemas/conventions/" + name; f.SchemaURL != want {
			t.Errorf("%s: schema_url %q, want %q", name, f.SchemaURL, want)
		}
		newest := ""
		for v := range f.Versions {
			if !semver.MatchString(v) {
				t.Errorf("%s: version %q is not MAJOR.MINOR.PATCH", name, v)
				continue
			}
			if newest == "" || compareVersions(v, newest) > 0 {
				newest = v
			}
		}
		if newest != name {
			t.Errorf("%s: newest version listed is %q, want the file's own", name, newest)
		}
		if name != ConventionsVersion {
			continue
		}
		if _, ok := f.Versions["2.0.0"]; !ok {
			t.Errorf("%s does not list 2.0.0, the first versioned conventions", name)
		}
		renames := 0
		for v, sv := range f.Versions {
			if sv == nil {
				continue
			}
			for _, cs := range []*schemaChanges{sv.All, sv.Resources, sv.Spans, sv.SpanEvents, sv.Metrics, sv.Logs} {
				if cs == nil {
					continue
				}
				for _, c := range cs.Changes {
					check := func(kind Kind, m map[string]string) {
						for from, to := range m {
							renames++
							if catalogued[string(kind)+" "+from] || !catalogued[string(kind)+" "+to] {
								t.Errorf("%s: %s renames %s %s to %s, but the catalog does not have the new name only", name, v, kind, from, to)
							}
						}
					}
					if c.RenameAttributes != nil {
						check(KindAttribute, c.RenameAttributes.AttributeMap)
					}
					if c.RenameEvents != nil {
						check(KindEvent, c.RenameEvents.NameMap)
					}
					check(KindMetric, c.RenameMetrics)
				}
			}
		}
		if renames == 0 {
			t.Errorf("%s lists no rename; 2.0.0 renamed aims.fairness.group to aims.fairness.group.name", name)
		}
	}
}

// compareVersions compares two MAJOR.MINOR.PATCH versions.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range 3 {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return 0
}
