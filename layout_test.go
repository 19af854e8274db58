package aimskit

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/aimskit/aimskit"

// TestDependencyDirection checks the layout DESIGN.md promises, on the
// real import graph: nothing under internal/ imports a public package of
// the module; aims imports only its own sub-packages; fairness, explain
// and drift import nothing of the module but internal/ and the
// conventions. (oversight/deps_test.go checks that importing oversight
// brings no database driver.)
func TestDependencyDirection(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		imports[f[0]] = f[1:]
	}
	internal := func(p string) bool { return strings.Contains(p, "/internal/") || strings.HasSuffix(p, "/internal") }
	ours := func(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }
	for pkg, imps := range imports {
		for _, imp := range imps {
			if !ours(imp) {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
			switch {
			case internal(pkg) && !internal(imp):
				t.Errorf("%s (internal) imports the public package %s", pkg, imp)
			case rel == "aims" && !(strings.HasPrefix(imp, module+"/aims/") || internal(imp)):
				t.Errorf("aims imports %s; aims is the foundation", imp)
			case (rel == "fairness" || rel == "explain" || rel == "drift" || strings.HasPrefix(rel, "explain/tree")) &&
				!internal(imp) && imp != module+"/aims/semconv" && !strings.HasPrefix(imp, module+"/explain"):
				t.Errorf("%s imports %s; the analytics packages stand alone", pkg, imp)
			}
		}
	}
}
