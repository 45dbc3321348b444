package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinkableAndReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "truth.csv")
	csv := `source,account,order_id,person_id,strong,name_address
ml,main,1,P1,d:111,01001000|10
shopee,main,2,P1,u:shopee:ana,
shopee,main,2,P1,d:111 u:shopee:ana,01001000|10
tiktok,main,3,P1,,01001000|10
amazon,main,4,P1,,
ml,main,5,P2,d:222,01001000|10
csv,main,6,P2,e:b@x.com,
`
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := readTruth(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.order) != 6 || strings.Join(tr.strong["shopee/main/2"], " ") != "u:shopee:ana d:111" {
		t.Fatalf("truth %+v", tr)
	}
	strong, named := tr.linkable(false), tr.linkable(true)
	same := func(m map[string]string, a, b string) bool { return m[a] == m[b] }
	switch {
	case !same(strong, "ml/main/1", "shopee/main/2"):
		t.Error("a shared document does not make orders linkable")
	case same(strong, "ml/main/1", "tiktok/main/3"):
		t.Error("name+address counted as a strong identifier")
	case !same(named, "ml/main/1", "tiktok/main/3"):
		t.Error("name+address does not make orders linkable")
	case same(named, "ml/main/1", "amazon/main/4"):
		t.Error("an order showing nothing is linkable")
	case same(named, "ml/main/1", "ml/main/5"):
		t.Error("two people's orders linkable through one address")
	case same(named, "ml/main/5", "csv/main/6"):
		t.Error("orders without shared evidence linkable")
	}

	// A resolver that found the strong pairs only, and joined P2's orders
	// with P1's first.
	pred := map[string]string{"ml/main/1": "a", "shopee/main/2": "a", "tiktok/main/3": "b", "amazon/main/4": "c", "ml/main/5": "a", "csv/main/6": "d"}
	channel := map[string]string{}
	for k := range pred {
		channel[k] = strings.SplitN(k, "/", 2)[0]
	}
	var out bytes.Buffer
	report(&out, tr, pred, channel)
	lines := strings.Split(out.String(), "\n")
	// all orders: predicted pairs {1,2},{1,5},{2,5}: 1 true of 3.
	if !strings.Contains(lines[1], "0.33333") || !strings.HasSuffix(strings.TrimSpace(lines[1]), " 2") {
		t.Errorf("all orders row %q", lines[1])
	}
	// Strong: P1's {1,2} found; name+address adds {1,3},{2,3}, not found.
	if !strings.Contains(lines[2], "1.0000") || !strings.Contains(lines[3], "0.3333") {
		t.Errorf("linkable rows %q %q", lines[2], lines[3])
	}
	if _, err := readTruth(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("a missing truth file read")
	}
	old := filepath.Join(dir, "old.csv")
	os.WriteFile(old, []byte("source,account,order_id,person_id\nml,main,1,P1\n"), 0o644)
	if _, err := readTruth(old); err == nil || !strings.Contains(err.Error(), "strong") {
		t.Errorf("a truth without evidence columns: %v", err)
	}
}
