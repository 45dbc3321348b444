package all

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/connectors"
)

const connectorsPath = "github.com/orderhist/orderhist/connectors/"

// TestWiring holds the registry's conventions: every folder of connectors/
// whose code registers a connector is imported here, its package and its
// registry key are the folder's name, every registered file connector runs
// the conformance suite (connectortest) and every registered API puller
// runs pullertest's. A connector that is registered but not in its suite
// fails the build.
func TestWiring(t *testing.T) {
	imported := importsOf(t, "all.go")
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := e.Name()
		pkg, registers := inspect(t, filepath.Join("..", dir))
		if !registers {
			continue
		}
		folders[dir] = true
		if pkg != dir {
			t.Errorf("connectors/%s is package %q: a connector's package is named after its folder", dir, pkg)
		}
		if !imported[connectorsPath+dir] {
			t.Errorf("connectors/%s registers a connector but all.go does not import it", dir)
		}
		c, ok := connectors.Lookup(dir)
		if !ok {
			t.Errorf("connectors/%s does not register itself under %q", dir, dir)
			continue
		}
		if _, ok := c.(connectors.FileReader); ok && !runsSuite(t, filepath.Join("..", dir), "connectortest") {
			t.Errorf("connectors/%s reads files but no _test.go of it calls connectortest.Run", dir)
		}
		if _, ok := c.(connectors.APIPuller); ok && !runsSuite(t, filepath.Join("..", dir), "pullertest") {
			t.Errorf("connectors/%s pulls from an API but no _test.go of it calls pullertest.Run", dir)
		}
	}
	for _, name := range connectors.Names() {
		if !folders[name] {
			t.Errorf("connector %q is registered but no folder connectors/%s registers it", name, name)
		}
	}
	for path := range imported {
		if dir := strings.TrimPrefix(path, connectorsPath); !folders[dir] {
			t.Errorf("all.go imports %s, which registers no connector", path)
		}
	}
}

func importsOf(t *testing.T, file string) map[string]bool {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Name == nil || imp.Name.Name != "_" {
			t.Errorf("all.go imports %s by name; connectors are imported for their registration only", p)
		}
		out[p] = true
	}
	return out
}

// inspect returns the package name of a folder's non-test files and
// whether they call connectors.Register.
func inspect(t *testing.T, dir string) (pkg string, registers bool) {
	for _, f := range parseDir(t, dir, false) {
		pkg = f.Name.Name
		if calls(f, "connectors", "Register") {
			registers = true
		}
	}
	return pkg, registers
}

// runsSuite reports whether a _test.go of dir calls suite.Run.
func runsSuite(t *testing.T, dir, suite string) bool {
	return slices.ContainsFunc(parseDir(t, dir, true), func(f *ast.File) bool { return calls(f, suite, "Run") })
}

func parseDir(t *testing.T, dir string, tests bool) []*ast.File {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") != tests {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// calls reports whether f calls pkg.fn, with pkg the name f imports it as.
func calls(f *ast.File, pkg, fn string) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return !found
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == fn {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
				found = true
			}
		}
		return !found
	})
	return found
}
