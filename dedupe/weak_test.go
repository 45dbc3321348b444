package dedupe

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/testgen"
	"github.com/orderhist/orderhist/normalize"
)

// TestScoredLinksOnGeneratedExports resolves generated exports with early
// Shopee sightings and checks every scored link against the truth.
func TestScoredLinksOnGeneratedExports(t *testing.T) {
	cfg := testgen.Config{Seed: 5, People: 4000, Lines: 30000, EarlySightings: 1}
	if testing.Short() {
		cfg.People, cfg.Lines = 1500, 10000
	}
	r := NewResolver(Options{})
	truth := map[string]string{}
	for s := range testgen.Sightings(cfg) {
		o := sightingOrder(&s)
		r.Observe(o)
		truth[orderKeyString(o)] = s.PersonID
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model()
	if m.Pairs == 0 {
		t.Fatal("no model estimated")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model from %d candidate pairs, lambda %.4f\n", m.Pairs, m.Lambda)
	for f, name := range FieldNames() {
		fmt.Fprintf(&b, "  %-14s m %v u %v\n", name, fmtProbs(m.M[f]), fmtProbs(m.U[f]))
	}
	t.Log(b.String())
	links, wrong := 0, 0
	for c := range res.Customers() {
		for _, wl := range res.WeakLinks(c.ID) {
			links++
			if truth[wl.Orders[0]] != truth[wl.Orders[1]] {
				wrong++
				if wrong <= 10 {
					t.Logf("wrong link %s (%s) – %s (%s), weight %.1f, name tf %.1f: %+v", wl.Orders[0], truth[wl.Orders[0]], wl.Orders[1], truth[wl.Orders[1]], wl.Weight, wl.NameFrequency, wl.Fields)
				}
			}
		}
	}
	t.Logf("%d scored links, %d wrong; report %+v", links, wrong, res.Report().ScoredLinks)
	// AllWeakLinks is WeakLinks of every customer, in one pass.
	all := 0
	for id, wl := range res.AllWeakLinks() {
		all++
		if !slices.ContainsFunc(res.WeakLinks(id), func(x WeakLink) bool { return x.Orders == wl.Orders && x.Weight == wl.Weight }) {
			t.Errorf("AllWeakLinks gives %v to customer %q, whose WeakLinks do not have it", wl.Orders, id)
		}
	}
	if all != links || all != res.Report().ScoredLinks {
		t.Errorf("AllWeakLinks yields %d links, WeakLinks %d, the report %d", all, links, res.Report().ScoredLinks)
	}
	if links == 0 || float64(wrong) > 0.01*float64(links) {
		t.Errorf("%d of %d scored links join different people", wrong, links)
	}
}

func fmtProbs(p []float64) string {
	var parts []string
	for _, x := range p {
		parts = append(parts, fmt.Sprintf("%.4f", x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// background is a seller's other orders, from which the scored model is
// estimated: the guard tests below run against a realistic population
// rather than against a model fitted to their few orders.
func background() []*normalize.Order {
	var out []*normalize.Order
	for s := range testgen.Sightings(testgen.Config{Seed: 17, People: 1500, Lines: 10000, EarlySightings: 1}) {
		out = append(out, sightingOrder(&s))
	}
	return out
}

func resolveWith(t *testing.T, bg []*normalize.Order, opts Options, orders ...*normalize.Order) *Result {
	t.Helper()
	return resolve(t, opts, append(slices.Clone(bg), orders...)...)
}

func TestScoredNameAddress(t *testing.T) {
	bg := background()
	// CEPs far from any generated one.
	home := addr("00019001", "455", "Belo Horizonte", "MG")
	lucia := mk("mercadolivre", "w1", 40, name("Lúcia Fagundes Ramalho"), cpf(cpfOf(9191)), home)
	same := mk("tiktok", "w2", 3, name("LUCIA FAGUNDES RAMALHO"), ref("luh"), home)
	short := mk("shopify", "w3", 2, name("Lucia Ramalho"), email("lfr@uol.com.br"), home)
	typo := mk("shopify", "w4", 1, name("Lúcia Fagnudes Ramalho"), email("x@bol.com.br"), home)
	// A household: same address and surname, other first names.
	pedro := mk("tiktok", "w5", 3, name("Pedro Fagundes Ramalho"), ref("pedro"), home)
	paula := mk("shopify", "w6", 3, name("Luciana Ramalho"), email("lu@uol.com.br"), home)
	// The same name at another number of the CEP: a neighbour.
	next := mk("shopify", "w7", 3, name("Lúcia Fagundes Ramalho"), email("n@uol.com.br"), addr("00019001", "457", "Belo Horizonte", "MG"))
	res := resolveWith(t, bg, Options{}, lucia, same, short, typo, pedro, paula, next)
	assertSame(t, res, lucia, same)
	// A close name alone at the address is below the default threshold:
	// a household may hold a Lúcia Ramalho and a Lúcia Fagundes Ramalho.
	assertApart(t, res, lucia, short)
	assertApart(t, res, lucia, typo)
	assertApart(t, res, lucia, pedro)
	assertApart(t, res, lucia, paula)
	assertApart(t, res, lucia, next)

	links := res.WeakLinks(cid(res, lucia))
	if len(links) != 1 {
		t.Fatalf("weak links %+v", links)
	}
	for _, wl := range links {
		if wl.Weight < DefaultMatchWeight || wl.Probability < 0.99 || len(wl.Fields) != len(FieldNames()) {
			t.Fatalf("link %+v", wl)
		}
		agreed := map[string]string{}
		for _, f := range wl.Fields {
			agreed[f.Field] = f.Level
		}
		if !strings.HasPrefix(agreed["address"], "same CEP and number") && agreed["address"] != "same CEP, number and complement" || agreed["name"] == "first name only" {
			t.Fatalf("link %+v", wl)
		}
	}
	if res.WeakLinks(cid(res, pedro)) != nil {
		t.Fatal("a customer without scored links has some")
	}
	scored := false
	for _, id := range identities(res) {
		if id.CustomerID == cid(res, lucia) && id.Kind == KindNameAddress && id.Evidence == EvidenceScored {
			scored = true
		}
		if id.Kind == KindCPF && id.Evidence != EvidenceStrong {
			t.Fatalf("identity %+v", id)
		}
	}
	if !scored {
		t.Fatal("no identity records scored evidence")
	}
	if res.Report().ScoredLinks == 0 || res.Model().Pairs == 0 {
		t.Fatalf("report %+v", res.Report())
	}

	// The setting: a lower threshold takes close names too, never the
	// household; an infinite one links nothing on scored evidence.
	res = resolveWith(t, bg, Options{MatchWeight: 3}, lucia, same, short, typo, pedro, paula, next)
	assertSame(t, res, lucia, same, short, typo)
	assertApart(t, res, lucia, pedro)
	assertApart(t, res, lucia, paula)
	res = resolveWith(t, bg, Options{MatchWeight: math.Inf(1)}, lucia, same)
	assertApart(t, res, lucia, same)
}

func TestScoredGuards(t *testing.T) {
	bg := background()
	home := addr("00019002", "12", "Recife", "PE")
	// Two documented people of one name at one address, and an
	// undocumented order that could be either.
	mother := mk("mercadolivre", "g1", 10, name("Maria Helena Torquato"), cpf(cpfOf(11)), home)
	daughter := mk("mercadolivre", "g2", 9, name("Maria Helena Torquato"), cpf(cpfOf(12)), home)
	either := mk("tiktok", "g3", 8, name("Maria Helena Torquato"), ref("mh"), home)

	// A gift: Ana's order ships to Bruno, at Bruno's address.
	bruno := mk("mercadolivre", "g4", 5, name("Bruno Quintela Reis"), cpf(cpfOf(13)), addr("00019003", "50", "São Paulo", "SP"))
	gift := mk("shopify", "g5", 4, name("Ana Quintela Lima"), email("ana@lima.com.br"),
		recipient("Bruno Quintela Reis", ""), addr("00019003", "50", "São Paulo", "SP"))

	// A Shopee account (no buyer name) shipping to several people.
	var sender []*normalize.Order
	var own []*normalize.Order
	for i, who := range []string{"Carla Vasconcelos Dias", "Rita Vasconcelos Prado", "Joana Bastos Vidal"} {
		cep := fmt.Sprintf("0001910%d", i)
		sender = append(sender, mk("shopee", fmt.Sprintf("g6%d", i), 3, ref("presenteira"), recipient(who, ""), addr(cep, "7", "Natal", "RN")))
		own = append(own, mk("mercadolivre", fmt.Sprintf("g7%d", i), 2, name(who), cpf(cpfOf(20+i)), addr(cep, "7", "Natal", "RN")))
	}
	// A Shopee order naming only a recipient, once: perhaps a gift.
	once := mk("shopee", "g8", 3, ref("umavez"), recipient("Otília Sarmento Braga", ""), addr("00019200", "9", "Natal", "RN"))
	otilia := mk("mercadolivre", "g9", 2, name("Otília Sarmento Braga"), cpf(cpfOf(30)), addr("00019200", "9", "Natal", "RN"))

	// Placeholders and masked names at one address.
	ph1 := mk("shopify", "g10", 3, name("Cliente Consumidor"), email("a1@x.com.br"), addr("00019300", "1", "Natal", "RN"))
	ph2 := mk("csv", "g11", 3, name("Cliente Consumidor"), email("a2@x.com.br"), addr("00019300", "1", "Natal", "RN"))
	m1 := mk("shopee", "g12", 3, ref("m1"), recipient("m******a", ""), addr("00019301", "1", "Natal", "RN"))
	m2 := mk("shopee", "g13", 3, ref("m2"), recipient("m******a", ""), addr("00019301", "1", "Natal", "RN"))

	orders := []*normalize.Order{mother, daughter, either, bruno, gift, once, otilia, ph1, ph2, m1, m2}
	orders = append(append(orders, sender...), own...)
	res := resolveWith(t, bg, Options{}, orders...)
	assertApart(t, res, mother, daughter)
	assertApart(t, res, either, mother)
	assertApart(t, res, either, daughter)
	assertApart(t, res, gift, bruno)
	for i := range sender {
		assertApart(t, res, sender[i], own[i])
	}
	assertApart(t, res, once, otilia)
	assertApart(t, res, ph1, ph2)
	assertApart(t, res, m1, m2)

	// The same account shipping twice to one name is its buyer.
	again := mk("shopee", "g14", 1, ref("umavez"), recipient("Otilia Sarmento Braga", ""), addr("00019200", "9", "Natal", "RN"))
	res = resolveWith(t, bg, Options{}, once, again, otilia)
	assertSame(t, res, once, again, otilia)
}

func TestCompareNames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want uint8
	}{
		{"Maria da Silva", "MARIA SILVA", nameExact},
		{"João dos Santos", "Joao Santos", nameExact},
		{"Maria Aparecida Souza Lima", "Maria Lima", nameClose},
		{"Maria Aparecida Souza Lima", "M. Aparecida Lima", nameClose},
		{"Fernanda Oliveira", "Fernanda Olivera", nameClose},
		{"Fernanda Oliveira Souza", "Fernnada Olivera Souza", nameFirstOnly},
		{"Maria Silva Santos", "Maria Oliveira Santos", nameFirstOnly},
		{"Maria Santos", "Maria Souza", nameFirstOnly},
		{"Paulo Reis", "Paula Reis", nameConflict},
		{"Pedro Ramos", "Lucia Ramos", nameConflict},
	} {
		a, _ := nameTokens(normalize.NameKey(c.a))
		b, _ := nameTokens(normalize.NameKey(c.b))
		if got := compareNames(a, b); got != c.want {
			t.Errorf("compareNames(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := compareNames(b, a); got != c.want {
			t.Errorf("compareNames(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
	for _, n := range []string{"Cliente Consumidor", "Consumidor Final", "Maria", "da Silva"} {
		if _, ok := nameTokens(normalize.NameKey(n)); ok {
			t.Errorf("%q accepted as a name", n)
		}
	}
}

func TestStreetComplement(t *testing.T) {
	for _, c := range []struct{ street, number, want string }{
		{"Rua Doutor Bruno Santana 292 / Apto 3 - CEP 04278033 - Industrial, São Paulo, São Paulo", "", "apto 3"},
		{"Rua Doutor Bruno Santana 292 - CEP 04278033 - Industrial, São Paulo, São Paulo", "", ""},
		{"Avenida Paulista, 90, Apto 232, Planalto, São Paulo, 05889768", "", "apto 232"},
		{"Avenida Paulista, 90, Planalto, São Paulo, 05889768", "", ""},
		{"Rua das Flores, 22", "", ""},
		{"Rua das Flores / Apto 3", "22", ""},
	} {
		a := normalize.Address{Street: c.street, Number: c.number}
		if got := streetComplement(&a); got != c.want {
			t.Errorf("streetComplement(%q, %q) = %q, want %q", c.street, c.number, got, c.want)
		}
	}
}

func TestStreetNumber(t *testing.T) {
	for _, c := range []struct{ street, number, want string }{
		{"Rua 7 de Setembro, 120 ap 3", "", "120"},
		{"Rua das Flores, 22", "", "22"},
		{"Avenida Paulista, 90, Apto 232, Planalto, São Paulo, 05889768", "", "90"},
		{"Rua X, s/n, Centro, São Paulo, 05889768", "", ""},
		{"Rua Doutor Bruno Santana 292 / Apto 3 - CEP 04278033 - Industrial, São Paulo, São Paulo", "", "292"},
		{"Rua Doutor Bruno Santana 292 - CEP 04278033 - Industrial, São Paulo, São Paulo", "", "292"},
		{"Rua Sete de Setembro", "", ""},
		{"Rua das Flores", "0045", "45"},
		{"Rua das Flores", "s/n", ""},
	} {
		a := normalize.Address{Street: c.street, Number: c.number}
		if got := streetNumber(&a); got != c.want {
			t.Errorf("streetNumber(%q, %q) = %q, want %q", c.street, c.number, got, c.want)
		}
	}
}
