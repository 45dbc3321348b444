package history_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/sellertest"
)

// lookupExports are five buyers of a pt-BR sheet: José with a CPF, a Gmail
// address, a phone and a username; three whose names share words; Beto with
// an e-mail and nothing else.
func lookupExports() map[string][]byte {
	sheet := "Pedido;Data;Cliente;CPF;E-mail;Telefone;Usuário;Produto;Quantidade;Valor Total\n" +
		"1;05/01/2026 10:00;José Antônio Silva;123.456.789-09;Jose.Silva+loja@Gmail.com;(11) 98765-4321;Ze_Silva;Caneca;1;10,00\n" +
		"2;06/01/2026 10:00;Maria da Silva;;maria@example.com;;;Bule;1;20,00\n" +
		"3;07/01/2026 10:00;Mariana Souza;;mariana@example.com;;;Bule;1;20,00\n" +
		"4;08/01/2026 10:00;Maria da Silva Santos;;mss@example.com;;;Bule;1;20,00\n" +
		"5;09/01/2026 10:00;Beto;;beto@example.com;;;Bule;1;20,00\n"
	mapping := "columns:\n  order_id: Pedido\n  ordered_at: Data\n  buyer_name: Cliente\n  buyer_document: CPF\n" +
		"  buyer_email: E-mail\n  buyer_phone: Telefone\n  buyer_ref: Usuário\n  title: Produto\n  quantity: Quantidade\n" +
		"  line_total: Valor Total\nmoney: br\ndate_layout: \"02/01/2006 15:04\"\ntimezone: America/Sao_Paulo\ndelimiter: \";\"\n"
	return map[string][]byte{"loja.csv": []byte(sheet), "loja.mapping.yaml": []byte(mapping)}
}

func openDS(t *testing.T, dir string) *dataset.Dataset {
	t.Helper()
	ds, err := dataset.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// lookupNames runs a lookup and names the candidates by their first order's
// buyer, sorted.
func lookupNames(t *testing.T, ds *dataset.Dataset, byID map[string]string, query string) ([]string, []string, error) {
	t.Helper()
	cands, err := history.Lookup(context.Background(), ds, query)
	var names, on []string
	for _, c := range cands {
		names = append(names, byID[c.CustomerID])
		on = append(on, strings.Join(c.MatchedOn, "+"))
	}
	slices.Sort(names)
	slices.Sort(on)
	return names, slices.Compact(on), err
}

// idsByName maps customer ids to their names, and back.
func idsByName(t *testing.T, ds *dataset.Dataset) (map[string]string, map[string]string) {
	t.Helper()
	byID, byName := map[string]string{}, map[string]string{}
	err := dataset.ReadTable(context.Background(), ds, dataset.TableOrders, func(rows []dataset.OrderRow) error {
		for _, r := range rows {
			name := map[string]string{"1": "jose", "2": "maria", "3": "mariana", "4": "mss", "5": "beto"}[r.OrderID]
			byID[r.CustomerID], byName[name] = name, r.CustomerID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return byID, byName
}

func TestLookupClear(t *testing.T) {
	ds := openDS(t, sellertest.Import(t, lookupExports()))
	byID, byName := idsByName(t, ds)
	for _, tc := range []struct {
		query string
		want  []string
		on    string
	}{
		{byName["beto"], []string{"beto"}, history.OnCustomerID},
		{"12345678909", []string{"jose"}, history.OnDocument},
		{"123.456.789-09", []string{"jose"}, history.OnDocument},
		{" 123 456 789 09 ", []string{"jose"}, history.OnDocument},
		{"JOSE.SILVA@GMAIL.COM", []string{"jose"}, history.OnEmail},
		{"josesilva+outra@gmail.com", []string{"jose"}, history.OnEmail}, // the importer's match key
		{"Beto@Example.com", []string{"beto"}, history.OnEmail},
		{"(11) 98765-4321", []string{"jose"}, history.OnPhone},
		{"+55 11 98765-4321", []string{"jose"}, history.OnPhone},
		{"11987654321", []string{"jose"}, history.OnPhone},
		{"011 98765 4321", []string{"jose"}, history.OnPhone},
		{"(11) 8765-4321", []string{"jose"}, history.OnPhone}, // before the ninth digit
		{"ze_silva", []string{"jose"}, history.OnUsername},
		{"@ZE_SILVA", []string{"jose"}, history.OnUsername},
		{"jose antonio silva", []string{"jose"}, history.OnName},
		{"JOSÉ ANTÔNIO SILVA", []string{"jose"}, history.OnName},
		// A whole name wins over names that only contain it.
		{"Maria da Silva", []string{"maria"}, history.OnName},
		// Parts of names list every name that fits.
		{"maria", []string{"maria", "mariana", "mss"}, history.OnName},
		{"silva", []string{"jose", "maria", "mss"}, history.OnName},
		{"mar sil", []string{"maria", "mss"}, history.OnName},
		{"beto", []string{"beto"}, history.OnName},
		{"99999999999", nil, ""},
		{"ninguém", nil, ""},
		{"c_does_not_exist", nil, ""},
		{"11111111111", nil, ""}, // a CPF of one repeated digit is no document
	} {
		got, on, err := lookupNames(t, ds, byID, tc.query)
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		if !slices.Equal(got, tc.want) || (tc.on != "" && !slices.Equal(on, []string{tc.on})) {
			t.Errorf("%q: found %v on %v, want %v on %s", tc.query, got, on, tc.want, tc.on)
		}
	}
	if _, err := history.Lookup(context.Background(), ds, "  "); err == nil {
		t.Error("an empty query must be an error")
	}
}

func TestLookupHashed(t *testing.T) {
	const key = "lookup-test-key-0123456789"
	p, err := pii.New("hash", key)
	if err != nil {
		t.Fatal(err)
	}
	ds := openDS(t, sellertest.ImportWith(t, lookupExports(), importer.Options{Command: "import", PII: p}))
	byID, byName := idsByName(t, ds)

	t.Setenv(pii.KeyEnv, "")
	if _, _, err := lookupNames(t, ds, byID, "12345678909"); !errors.Is(err, pii.ErrNoKey) {
		t.Errorf("without the key: %v, want ErrNoKey", err)
	}
	if got, _, err := lookupNames(t, ds, byID, byName["beto"]); err != nil || !slices.Equal(got, []string{"beto"}) {
		t.Errorf("a customer id needs no key: %v %v", got, err)
	}
	t.Setenv(pii.KeyEnv, key+"-other")
	var mismatch *dataset.PIIMismatchError
	if _, _, err := lookupNames(t, ds, byID, "12345678909"); !errors.As(err, &mismatch) {
		t.Errorf("another key: %v, want a PIIMismatchError", err)
	}

	t.Setenv(pii.KeyEnv, key)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"123.456.789-09", []string{"jose"}},
		{"JOSE.SILVA@GMAIL.COM", []string{"jose"}},
		{"+55 (11) 98765-4321", []string{"jose"}},
		{"Ze_Silva", []string{"jose"}},
		{"José Antônio Silva", []string{"jose"}},
		{"MARIA DA SILVA", []string{"maria"}}, // as a title: "Maria da Silva"
		{"  Maria  da Silva ", []string{"maria"}},
		// Hashed names match only whole.
		{"maria", nil},
	} {
		got, _, err := lookupNames(t, ds, byID, tc.query)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("hashed %q: %v %v, want %v", tc.query, got, err, tc.want)
		}
	}
}

func TestLookupDropped(t *testing.T) {
	p, _ := pii.New("drop", "")
	ds := openDS(t, sellertest.ImportWith(t, lookupExports(), importer.Options{Command: "import", PII: p}))
	byID, byName := idsByName(t, ds)
	if _, _, err := lookupNames(t, ds, byID, "12345678909"); !errors.Is(err, dataset.ErrLookupDropped) {
		t.Errorf("dropped dataset: %v, want ErrLookupDropped", err)
	}
	if got, _, err := lookupNames(t, ds, byID, byName["jose"]); err != nil || !slices.Equal(got, []string{"jose"}) {
		t.Errorf("a customer id still works under drop: %v %v", got, err)
	}
}

func TestExplainCandidates(t *testing.T) {
	ds := openDS(t, sellertest.Import(t, lookupExports()))
	_, byName := idsByName(t, ds)
	var buf bytes.Buffer
	err := history.Explain(context.Background(), ds, &buf, "silva", false)
	var amb *history.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 3 {
		t.Fatalf("explain silva: %v, want 3 candidates", err)
	}
	out := buf.String()
	for _, want := range []string{"3 customers match", byName["jose"], byName["maria"], byName["mss"], "csv", "2026-01-08", "--show-values"} {
		if !strings.Contains(out, want) {
			t.Errorf("candidates lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Maria da Silva") {
		t.Errorf("a name in clear without --show-values:\n%s", out)
	}
	// Newest last order first.
	if strings.Index(out, byName["mss"]) > strings.Index(out, byName["jose"]) {
		t.Errorf("candidates not by latest order:\n%s", out)
	}
	buf.Reset()
	if err := history.Explain(context.Background(), ds, &buf, "silva", true); err == nil || !strings.Contains(buf.String(), "Maria da Silva Santos") {
		t.Errorf("--show-values: %v\n%s", err, buf.String())
	}

	buf.Reset()
	if err := history.Explain(context.Background(), ds, &buf, "123.456.789-09", false); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	if !strings.Contains(out, "matches customer "+byName["jose"]+" on cpf/cnpj") || !strings.Contains(out, "customer "+byName["jose"]+": 1 orders") {
		t.Errorf("explain by CPF:\n%s", out)
	}
	if strings.Contains(out, "12345678909") || strings.Contains(out, "123.456.789-09") {
		t.Errorf("the CPF in clear:\n%s", out)
	}
	var nf *history.NotFoundError
	if err := history.Explain(context.Background(), ds, &buf, "ninguém", false); !errors.As(err, &nf) {
		t.Errorf("no match: %v, want a NotFoundError", err)
	}
}
