package shopify_test

import (
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/normalize"
)

// TestReexportAfterEdit imports an export, then the export of the same
// store after order #1001 was edited (SKU-A swapped for SKU-B, the buyer's
// e-mail gone from the new export), in two runs: #1001 ends with SKU-B
// alone and keeps the e-mail seen before; #1002, the same in both exports,
// is not reported as changed.
func TestReexportAfterEdit(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rows ...map[string]string) []*normalize.Order {
		path := filepath.Join(dir, name)
		if err := connectortest.WriteText(path, encode(rows, ',')); err != nil {
			t.Fatal(err)
		}
		res := connectortest.Read(t.Context(), reader(t), path)
		if res.Err != nil || len(res.Rejects) != 0 {
			t.Fatalf("%s: err %v rejects %v", name, res.Err, res.Rejects)
		}
		return res.Orders
	}
	order := func(email string) map[string]string {
		return address(first("#1001", email, "paid", "", "2025-08-08 13:33:14 -0300", "67.90", "0.00", "67.90"),
			"Maria Exemplo", "Rua Exemplo, 455", "São Paulo", "'01001-000", "SP", "+55 11 98765-4321")
	}
	other := address(first("#1002", "joao@example.com", "paid", "", "2025-08-09 10:00:00 -0300", "79.90", "0.00", "79.90"),
		"João Exemplo", "Rua Dois, 10", "Rio de Janeiro", "'20040-002", "RJ", "(21) 99876-5432")
	before := write("before.csv",
		item(order("maria@example.com"), 1, "Hidratante Facial - 1 UNIDADE", "67.90", "SKU-A", ""),
		item(other, 1, "Sabonete - 1 UNIDADE", "79.90", "SAB-01", ""))
	after := write("after.csv",
		item(order(""), 1, "Hidratante Facial - KIT", "67.90", "SKU-B", ""),
		item(other, 1, "Sabonete - 1 UNIDADE", "79.90", "SAB-01", ""))

	got, changed := apitest.Syncs(before, after)
	o := got["#1001"]
	if len(o.Lines) != 1 || o.Lines[0].SKU != "SKU-B" || o.Lines[0].LineNo != 1 {
		t.Errorf("#1001 lines %+v, want SKU-B alone", o.Lines)
	}
	if o.Buyer.Email != "maria@example.com" {
		t.Errorf("#1001 e-mail %q, want the one the first export had", o.Buyer.Email)
	}
	if !changed["#1001"] || changed["#1002"] {
		t.Errorf("lines changed %v, want #1001 only", changed)
	}
}
