package cmd_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/cmd"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/sellertest"
)

// treeSum lists every file under dir with its size, mode and content hash,
// so a test can tell that a command changed nothing.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %v %d", rel, info.Mode(), info.Size())
		if !d.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// busyDataset imports the known exports, then makes the dataset look like
// an import is running: the lock is held, and a staging folder and a file
// the manifest does not list lie where a run would write them. A read-only
// command must neither wait for the lock nor clean any of it up.
func busyDataset(t *testing.T) string {
	t.Helper()
	dir := sellertest.Import(t, sellertest.KnownExports(t))
	lock, err := dataset.TakeLock(dir, "import", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Unlock() })
	if err := os.MkdirAll(filepath.Join(dir, ".staging-running"), 0o750); err != nil {
		t.Fatal(err)
	}
	unlisted := filepath.Join(dir, "customers", "customers-running.parquet")
	if err := os.WriteFile(unlisted, []byte("half written"), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cmd.Main(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// TestReadOnlyCommands runs report and export on one dataset an import is
// busy with (one import keeps the package's test time down) and checks
// that they leave it as they found it.
func TestReadOnlyCommands(t *testing.T) {
	dir := busyDataset(t)
	before := treeSum(t, dir)
	t.Run("report", func(t *testing.T) { testReportCommand(t, dir) })
	t.Run("report errors", func(t *testing.T) { testReportCommandErrors(t, dir) })
	t.Run("export", func(t *testing.T) { testExportCommand(t, dir) })
	if after := treeSum(t, dir); after != before {
		t.Errorf("report or export changed the dataset:\nbefore\n%s\nafter\n%s", before, after)
	}
}

// testReportCommand writes the report in both languages.
func testReportCommand(t *testing.T, dir string) {
	for _, tc := range []struct{ lang, title, month string }{
		{"pt-BR", "Relatório de clientes", "fev/26"},
		{"en", "Customer report", "Feb 26"},
	} {
		page := filepath.Join(t.TempDir(), "report.html")
		code, stdout, stderr := run(t, "report", "--out", dir, "--as-of", "2026-06-30", "--lang", tc.lang, "-o", page)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.lang, code, stderr)
		}
		if !strings.HasPrefix(stdout, "report: "+page+" (5 customers, ") {
			t.Errorf("%s: stdout %q", tc.lang, stdout)
		}
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		html := string(data)
		for _, want := range []string{tc.title, tc.month, "Ana Souza", "Bruno Lima", "R$ 350,00", "<svg", `lang="` + tc.lang + `"`} {
			if tc.lang == "en" && want == "R$ 350,00" {
				want = "R$ 350.00"
			}
			if !strings.Contains(html, want) {
				t.Errorf("%s: the page lacks %q", tc.lang, want)
			}
		}
		// Self-contained: nothing refers to another file or site.
		for _, bad := range []string{"<script src", "<link", "url(http", `src="http`, "@import"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s: the page loads something: %q", tc.lang, bad)
			}
		}
		if info, _ := os.Stat(page); info.Mode().Perm() != 0o600 {
			t.Errorf("%s: report mode %v, want 0600: it names customers", tc.lang, info.Mode().Perm())
		}
	}
}

func testReportCommandErrors(t *testing.T, dir string) {
	page := filepath.Join(t.TempDir(), "r.html")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report", "--out", dir, "--lang", "fr", "-o", page}, 2, "--lang"},
		{[]string{"report", "--out", dir, "--tz", "Mars/Olympus", "-o", page}, 2, "time zone"},
		{[]string{"report", "--out", dir, "--inactive-days", "0", "-o", page}, 2, "inactive window"},
		{[]string{"report", "--out", dir, "--recurring-orders", "1", "-o", page}, 2, "recurring"},
		{[]string{"report", "--out", dir, "--as-of", "30/06/2026", "-o", page}, 2, "--as-of"},
		{[]string{"report", "--out", filepath.Join(t.TempDir(), "none"), "-o", page}, 1, "no dataset"},
		{[]string{"report", "extra"}, 2, "no arguments"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(page); err == nil {
		t.Error("a failed report left a file")
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("report created a dataset folder")
	}
}
