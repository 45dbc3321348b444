package testgen

import (
	"strings"
	"testing"
)

// TestEvidence checks that the truth's evidence tells what each order
// shows: strong tokens only of the buyer's own values, written where the
// layout has them; name+address only for numbered own addresses with a name.
func TestEvidence(t *testing.T) {
	cfg := Config{Seed: 21, People: 1500, Lines: 6000}
	people := People(cfg.Seed, cfg.People)
	byID := map[string]*Person{}
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	count := map[string]int{}
	for s := range Sightings(cfg) {
		p := byID[s.PersonID]
		for _, tok := range strings.Fields(s.Strong) {
			k, v, _ := strings.Cut(tok, ":")
			count[s.Layout+"/"+k]++
			switch k {
			case "d":
				if v != p.Document || s.Document == "" {
					t.Fatalf("%s %s: document token %q, person %s, written %q", s.Layout, s.OrderID, v, p.Document, s.Document)
				}
			case "e":
				if v != p.Email && v != p.ShopifyEmail || s.Email == "" {
					t.Fatalf("%s %s: e-mail token %q, written %q", s.Layout, s.OrderID, v, s.Email)
				}
			case "p":
				if v != p.Phone && v != p.Landline || s.Phone == "" {
					t.Fatalf("%s %s: phone token %q, written %q", s.Layout, s.OrderID, v, s.Phone)
				}
			case "u":
				if v != s.Source+":"+s.BuyerRef {
					t.Fatalf("%s %s: username token %q, written %q", s.Layout, s.OrderID, v, s.BuyerRef)
				}
			default:
				t.Fatalf("unknown token %q", tok)
			}
		}
		if s.NameAddress != "" {
			count[s.Layout+"/a"]++
			a := p.Address
			if s.RecipientID != s.PersonID || s.NameAddress != a.CEP+"|"+a.Number || a.Number == "s/n" {
				t.Fatalf("%s %s: name_address %q for an order to %s at %s|%s", s.Layout, s.OrderID, s.NameAddress, s.RecipientID, a.CEP, a.Number)
			}
			if s.Name == "" && (s.RecipientName == "" || strings.Contains(s.RecipientName, "*")) {
				t.Fatalf("%s %s: name_address without a name", s.Layout, s.OrderID)
			}
		}
	}
	for _, want := range []string{"amazon/d", "shopify/e", "shopify/p", "shopify/a", "mercadolivre/d", "mercadolivre/a",
		"shopee-all/u", "shopee-toship/d", "shopee-toship/a", "tiktok/u", "tiktok/a", "ptbr-csv/e", "ptbr-csv/p"} {
		if count[want] == 0 {
			t.Errorf("no %s evidence", want)
		}
	}
	for _, never := range []string{"amazon/a", "ptbr-csv/a", "mercadolivre/e", "amazon-last-update/d"} {
		if count[never] != 0 {
			t.Errorf("%d %s evidence, want none", count[never], never)
		}
	}
}

// TestEarlySightings checks that early to-ship sightings are Order.all's
// masked orders in clear, in monthly files the manifest counts, and that
// they leave the other files as they were.
func TestEarlySightings(t *testing.T) {
	plain, early := t.TempDir(), t.TempDir()
	base := Config{Seed: 9, People: 800, Lines: 3000, Layouts: []string{LayoutShopeeAll, LayoutShopeeToShip}}
	cfg := base
	cfg.EarlySightings, cfg.OutDir = 0.5, early
	base.OutDir = plain
	if _, err := Generate(base); err != nil {
		t.Fatal(err)
	}
	res, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hp, he := hashDir(t, plain), hashDir(t, early)
	for name, h := range hp {
		if name != TruthFile && name != ManifestFile && he[name] != h {
			t.Errorf("%s changed with early sightings", name)
		}
	}
	if len(he) < len(hp)+2 {
		t.Fatalf("early sightings wrote %d files, %d without", len(he), len(hp))
	}
	for _, st := range res.Files {
		checkCounts(t, early, st)
	}
	all := map[string]Sighting{}
	masked, seen := 0, 0
	for s := range Sightings(cfg) {
		switch {
		case s.Layout == LayoutShopeeAll:
			all[s.OrderID] = s
			if strings.Contains(s.RecipientName, "*") {
				masked++
			}
		default:
			a, ok := all[s.OrderID]
			if !ok {
				continue // the regular to-ship file's own orders
			}
			seen++
			if !strings.Contains(a.RecipientName, "*") || strings.Contains(s.RecipientName, "*") || s.Street == "" || strings.Contains(s.Street, "*") {
				t.Fatalf("order %s: Order.all shows %q, early sighting %q %q", s.OrderID, a.RecipientName, s.RecipientName, s.Street)
			}
			if a.PersonID != s.PersonID || a.RecipientID != s.RecipientID || a.BuyerRef != s.BuyerRef || a.CEP == "" {
				t.Fatalf("order %s: early sighting of another purchase", s.OrderID)
			}
		}
	}
	if seen < masked/3 || seen > masked*2/3 {
		t.Errorf("%d early sightings of %d masked orders at a share of 0.5", seen, masked)
	}
	if err := (Config{EarlySightings: 1.5}).Validate(); err == nil {
		t.Error("early sightings of 1.5 accepted")
	}
}
