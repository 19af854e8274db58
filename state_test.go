package aimskit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPackageLevelHooks: no library package keeps mutable state at
// package level (the Standards allow explicit defaults only). A
// package-level variable declared without a value, or of a function
// type, exists only to be assigned later (a test hook, a setting): it
// would be shared by every Gate, store and monitor of the process, and
// tests setting it would race with each other. Examples (package main)
// are programs and are left out.
func TestNoPackageLevelHooks(t *testing.T) {
	// initOnly are variables filled during package initialisation (one
	// goroutine, before anything can read them) and only read afterwards.
	initOnly := map[string]bool{"aims/semconv.catalog": true}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR || embedded(gd) {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				_, isFunc := vs.Type.(*ast.FuncType)
				for _, id := range vs.Names {
					if id.Name != "_" && (len(vs.Values) == 0 || isFunc) && !initOnly[filepath.ToSlash(filepath.Dir(path))+"."+id.Name] {
						t.Errorf("%s: package-level variable %s is mutable state (declared to be assigned later)", fset.Position(id.Pos()), id.Name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// embedded reports whether gd is a //go:embed variable, which the
// compiler fills and nothing assigns.
func embedded(gd *ast.GenDecl) bool {
	if gd.Doc == nil {
		return false
	}
	for _, c := range gd.Doc.List {
		if strings.HasPrefix(c.Text, "//go:embed ") {
			return true
		}
	}
	return false
}
