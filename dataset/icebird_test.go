package dataset

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
)

// icebirdDir holds the icebird reader script and its npm package
// (npm ci there installs it; .ci/run does).
var icebirdDir = filepath.Join("..", "testdata", "icebird")

type icebirdTable struct {
	FormatVersion int `json:"format_version"`
	Fields        []struct {
		Name     string          `json:"name"`
		Type     json.RawMessage `json:"type"`
		Required bool            `json:"required"`
	} `json:"fields"`
	Rows []map[string]any `json:"rows"`
}

// icebird reads a table of the dataset in dir with icebird, an Iceberg
// reader that shares no code with iceberg-go, at its current snapshot or at
// snapshot (time travel) when it is not 0.
func icebird(t *testing.T, dir, table string, snapshot int64) icebirdTable {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the icebird reader test needs it")
	}
	if _, err := os.Stat(filepath.Join(icebirdDir, "node_modules", "icebird", "package.json")); err != nil {
		t.Skipf("icebird is not installed: run npm ci in %s", icebirdDir)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, table))
	args := []string{"read.mjs", filepath.ToSlash(abs)}
	if snapshot != 0 {
		args = append(args, strconv.FormatInt(snapshot, 10))
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = icebirdDir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("icebird %s: %v\n%s", table, err, stderr)
	}
	var res icebirdTable
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("icebird %s: %v", table, err)
	}
	return res
}

func TestIcebirdReadsTables(t *testing.T) {
	dir := t.TempDir()
	hour := Retention{Set: true, Keep: time.Hour}
	m1 := commitSession(t, dir, hour, benchOrders(30))
	m2 := commitSession(t, dir, hour, benchOrders(45))

	for _, td := range tableDefs {
		t.Run(td.name, func(t *testing.T) {
			got := icebird(t, dir, td.name, 0)
			if got.FormatVersion != 2 {
				t.Errorf("format version %d", got.FormatVersion)
			}
			if int64(len(got.Rows)) != m2.Tables[td.name].Rows {
				t.Errorf("icebird read %d rows, the manifest lists %d", len(got.Rows), m2.Tables[td.name].Rows)
			}
			sc, err := IcebergSchema(td.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Fields) != len(sc.Fields()) {
				t.Fatalf("icebird sees %d columns, want %d", len(got.Fields), len(sc.Fields()))
			}
			for i, f := range sc.Fields() {
				g := got.Fields[i]
				var typ string
				if json.Unmarshal(g.Type, &typ) != nil {
					// A nested type: icebird gives its JSON object.
					var nested struct{ Type string }
					json.Unmarshal(g.Type, &nested)
					typ = nested.Type
				}
				want := f.Type.String()
				if _, ok := f.Type.(*iceberg.ListType); ok {
					want = "list"
				}
				if g.Name != f.Name || typ != want || g.Required != f.Required {
					t.Errorf("column %d: icebird %s %s required=%v, want %s %s required=%v", i, g.Name, g.Type, g.Required, f.Name, want, f.Required)
				}
			}
		})
	}

	// A few values, as the run wrote them.
	want := map[string]OrderRow{}
	for _, o := range benchOrders(45) {
		want[o.OrderID] = o
	}
	for _, row := range icebird(t, dir, TableOrders, 0).Rows {
		id, _ := row["order_id"].(string)
		w, ok := want[id]
		if !ok {
			t.Errorf("icebird read order %q, which was not written", id)
			continue
		}
		delete(want, id)
		if row["customer_id"] != w.CustomerID || row["status"] != w.Status || row["currency"] != "BRL" {
			t.Errorf("order %s: %v, wrote %+v", id, row, w)
		}
		if at, _ := time.Parse(time.RFC3339Nano, row["ordered_at"].(string)); !at.Equal(*w.OrderedAt) {
			t.Errorf("order %s: ordered_at %v, wrote %v", id, row["ordered_at"], *w.OrderedAt)
		}
		if total, ok := row["order_total"].(float64); !ok || int64(total*100+0.5) != *w.OrderTotal {
			t.Errorf("order %s: order_total %v, wrote %d cents", id, row["order_total"], *w.OrderTotal)
		}
		if row["pack_id"] != nil || row["net_total"] != nil {
			t.Errorf("order %s: optional values read as %v and %v, want null", id, row["pack_id"], row["net_total"])
		}
		if row["buyer_email"] != w.BuyerEmail || row["installments"] != float64(w.Installments) {
			t.Errorf("order %s: buyer_email %v, installments %v; wrote %s, %d", id, row["buyer_email"], row["installments"], w.BuyerEmail, w.Installments)
		}
	}
	if len(want) != 0 {
		t.Errorf("%d orders icebird did not read", len(want))
	}

	// Time travel: the first run's snapshot, kept by the retention.
	old := icebird(t, dir, TableOrders, m1.Tables[TableOrders].Iceberg.SnapshotID)
	if len(old.Rows) != 30 {
		t.Errorf("time travel to the first run: %d orders, want 30", len(old.Rows))
	}
}
