package cmd_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// testExportCommand exports the customers and the orders, as XLSX and CSV.
func testExportCommand(t *testing.T, dir string) {
	out := t.TempDir()

	xlsx := filepath.Join(out, "clientes.xlsx")
	code, stdout, stderr := run(t, "export", "customers", "--out", dir, "--as-of", "2026-06-30", "-o", xlsx)
	if code != 0 || stdout != "exported 5 customers to "+xlsx+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Clientes")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[0][0] != "ID do cliente" || rows[1][1] != "Ana Souza" {
		t.Errorf("customers sheet: %d rows, header %q, first %q", len(rows), rows[0], rows[1])
	}
	if info, _ := os.Stat(xlsx); info.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v, want 0600", info.Mode().Perm())
	}

	orders := filepath.Join(out, "pedidos.csv")
	code, stdout, stderr = run(t, "export", "orders", "--out", dir, "--as-of", "2026-06-30",
		"--format", "csv", "--inactive-days", "100", "-o", orders)
	if code != 0 || stdout != "exported 2 orders to "+orders+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(orders)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][2] != "Pedido" || recs[1][2] != "#3" || recs[2][2] != "#4" {
		t.Errorf("orders CSV %q", recs)
	}

	// The segment column follows --inactive-days: at 200 days nobody is
	// inactive.
	seg := filepath.Join(out, "inativos.csv")
	code, stdout, _ = run(t, "export", "customers", "--out", dir, "--as-of", "2026-06-30",
		"--segment", "inactive", "--inactive-days", "200", "-o", seg)
	if code != 0 || stdout != "exported 0 customers to "+seg+"\n" {
		t.Errorf("inactive at 200 days: exit %d, %q", code, stdout)
	}
}

func TestExportCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "x.xlsx")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export", "--out", dir, "-o", out}, 2, "customers or orders"},
		{[]string{"export", "products", "--out", dir, "-o", out}, 2, "customers or orders"},
		{[]string{"export", "customers", "--out", dir}, 2, "-o FILE"},
		{[]string{"export", "customers", "--out", dir, "-o", filepath.Join(dir, "x.ods")}, 2, "xlsx or csv"},
		{[]string{"export", "customers", "--out", dir, "--segment", "vip", "-o", out}, 2, "unknown segment"},
		{[]string{"export", "customers", "--out", dir, "--channel", "ebay", "-o", out}, 2, "no channel named"},
		{[]string{"export", "customers", "--out", dir, "--lang", "de", "-o", out}, 2, "language"},
		{[]string{"export", "customers", "--out", dir, "-o", out}, 1, "no dataset"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed export left a file")
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("a failed export left %v", entries)
	}
}
