// Package examples_test proves that the examples are what a user can copy:
// each one, copied into a fresh module outside this repository, builds
// against the public packages of aimskit alone.
package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamplesBuildAsCopiesInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every example in a fresh module")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		n++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), name)
			copyExample(t, name, dst)
			// The copy requires what aimskit requires (so no download is
			// needed), and aimskit itself from this checkout.
			mod := strings.Replace(string(gomod), "module github.com/aimskit/aimskit",
				"module example.com/"+name, 1)
			mod += "\nrequire github.com/aimskit/aimskit v0.0.0-00010101000000-000000000000\n" +
				"\nreplace github.com/aimskit/aimskit => " + root + "\n"
			write(t, filepath.Join(dst, "go.mod"), []byte(mod))
			write(t, filepath.Join(dst, "go.sum"), gosum)
			cmd := exec.Command(gobin, "build", "-o", os.DevNull, ".")
			cmd.Dir = dst
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("the copy of examples/%s does not build in its own module: %v\n%s", name, err, out.String())
			}
		})
	}
	if n < 2 {
		t.Fatalf("found %d examples, want at least creditscore and chatassistant", n)
	}
}

// copyExample copies the example's files except its tests (which may use
// the repository's test helpers) into dst.
func copyExample(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dst, f.Name()), b)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
