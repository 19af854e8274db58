package oversight_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// databaseDrivers are import-path prefixes of storage engines and database
// drivers, none of which a service importing oversight should pay for.
// (The standard library's database/sql/driver interfaces are not among
// them: github.com/google/uuid imports them for its Scan and Value.)
var databaseDrivers = []string{
	"go.etcd.io/bbolt",
	"github.com/jackc/",
	"github.com/lib/pq",
	"github.com/mattn/go-sqlite3",
	"modernc.org/sqlite",
}

// goListDeps returns the packages pkg imports, directly or not (go list -deps).
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.CommandContext(t.Context(), goBin, "list", "-deps", pkg).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	return strings.Fields(string(out))
}

func driversIn(deps []string) []string {
	var found []string
	for _, d := range deps {
		if slices.ContainsFunc(databaseDrivers, func(p string) bool { return strings.HasPrefix(d, p) }) {
			found = append(found, d)
		}
	}
	return found
}

// TestOversightPullsInNoDatabaseDriver: the durable stores live in
// sub-packages, so that importing oversight brings no storage engine.
func TestOversightPullsInNoDatabaseDriver(t *testing.T) {
	deps := goListDeps(t, ".")
	if !slices.Contains(deps, "github.com/aimskit/aimskit/aims") {
		t.Fatalf("go list -deps . does not list aims; is the output what we think it is?\n%s", strings.Join(deps, "\n"))
	}
	if found := driversIn(deps); len(found) > 0 {
		t.Fatalf("oversight depends on database packages %q; they belong in oversight/boltstore or oversight/postgres", found)
	}
	// The check itself finds drivers where they are.
	for pkg, want := range map[string]string{"./boltstore": "go.etcd.io/bbolt", "./postgres": "github.com/jackc/pgx/v5"} {
		if found := driversIn(goListDeps(t, pkg)); !slices.Contains(found, want) {
			t.Errorf("%s: drivers found %q, want %s among them", pkg, found, want)
		}
	}
}
