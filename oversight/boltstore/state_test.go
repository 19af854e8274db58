package boltstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestNoPackageLevelHooks: the store package keeps no mutable state at package
// level. A package-level variable declared without a value, or of a
// function type, exists only to be assigned later (a test hook, a
// setting): it would be shared by every store of the process,
// and tests setting it would race with each other.
func TestNoPackageLevelHooks(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				_, isFunc := vs.Type.(*ast.FuncType)
				for _, id := range vs.Names {
					if id.Name == "_" {
						continue
					}
					if len(vs.Values) == 0 || isFunc {
						t.Errorf("%s: package-level variable %s is mutable state (declared to be assigned later)", fset.Position(id.Pos()), id.Name)
					}
				}
			}
		}
	}
}
