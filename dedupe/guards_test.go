package dedupe

import (
	"strings"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

func TestStrongIdentifiersLink(t *testing.T) {
	a := cpfOf(123456789)
	ml := mk("mercadolivre", "1", 30, name("Maria Souza"), cpf(a), ref("111"))
	sp := mk("shopee", "2", 20, name("Maria Souza"), cpf(a))
	shopify1 := mk("shopify", "3", 10, name("Maria S."), email("maria.souza+loja@gmail.com"))
	shopify2 := mk("shopify", "4", 5, name("Maria Souza"), email("mariasouza@gmail.com"), cpf(a))
	ml2 := mk("mercadolivre", "5", 2, ref("111")) // masked everything but the buyer id
	amz1 := mk("amazon", "6", 40, relay("x9k2@marketplace.amazon.com.br"), name("Maria Souza"), cpf(a))
	amz2 := mk("amazon", "7", 41, relay("x9k2@marketplace.amazon.com.br"))
	res := resolve(t, Options{}, ml, sp, shopify1, shopify2, ml2, amz1, amz2)
	assertSame(t, res, ml, sp, shopify1, shopify2, ml2, amz1, amz2)
	if rep := res.Report(); rep.Customers != 1 || rep.Orders != 7 || rep.Identifiers[KindCPF] != 1 || rep.Identifiers[KindEmail] != 1 {
		t.Fatalf("report %+v", rep)
	}
}

func TestMarketplaceUserIsScopedToSourceAndAccount(t *testing.T) {
	a := mk("mercadolivre", "1", 1, ref("42"), name("Ana Lima"))
	b := mk("mercadolivre", "2", 1, ref("42"), name("Bruno Reis"), acct("outlet"))
	c := mk("shopee", "3", 1, ref("42"), name("Carla Dias"))
	d := mk("mercadolivre", "4", 1, ref("42"), name("Ana Lima"))
	res := resolve(t, Options{}, a, b, c, d)
	assertSame(t, res, a, d)
	assertApart(t, res, a, b)
	assertApart(t, res, a, c)
}

func TestTwoDocumentsNeverMerge(t *testing.T) {
	maria := mk("shopify", "1", 10, name("Maria Pereira"), cpf(cpfOf(1001)), email("familia.pereira@hotmail.com"), phone("+551133334444"))
	joao := mk("mercadolivre", "2", 9, name("João Pereira"), cpf(cpfOf(2002)), email("familia.pereira@hotmail.com"), phone("+551133334444"))
	// The shared e-mail fits both; the first name decides.
	mariaAgain := mk("shopify", "3", 8, name("Maria P"), email("familia.pereira@hotmail.com"))
	// Nothing tells which of the two placed it: it stays apart.
	nobody := mk("shopify", "4", 7, email("familia.pereira@hotmail.com"))
	// A document chain through the family e-mail must not join documents
	// transitively either.
	res := resolve(t, Options{}, maria, joao, mariaAgain, nobody)
	assertApart(t, res, maria, joao)
	assertSame(t, res, maria, mariaAgain)
	assertApart(t, res, nobody, maria)
	assertApart(t, res, nobody, joao)
	rep := res.Report()
	if rep.ConflictsAvoided == 0 || rep.Ambiguous == 0 {
		t.Fatalf("report %+v", rep)
	}
	for c := range res.Customers() {
		if c.Document != "" && c.ID == cid(res, nobody) {
			t.Fatalf("undocumented customer shows a document: %+v", c)
		}
	}
}

func TestCPFAndCNPJAreDifferentDocuments(t *testing.T) {
	p := mk("mercadolivre", "1", 1, name("Rita Alves"), cpf(cpfOf(777)), phone("+5521987650000"))
	c := mk("mercadolivre", "2", 1, name("Rita Alves ME"), phone("+5521987650000"), func(o *normalize.Order) {
		o.Buyer.Document, o.Buyer.DocumentType = cnpjOf(123456780001), normalize.DocCNPJ
	})
	res := resolve(t, Options{}, p, c)
	assertApart(t, res, p, c)
}

func TestHouseholdLandlineKeepsPeopleApart(t *testing.T) {
	const land = "+551132221111"
	maria := mk("shopify", "1", 10, name("Maria Costa"), phone(land), addr("01310100", "120", "São Paulo", "SP"))
	joao := mk("shopify", "2", 9, name("João Costa"), phone(land), addr("01310100", "120", "São Paulo", "SP"))
	mariaTypo := mk("tiktok", "3", 8, name("Mraia Costa"), phone(land))
	paulo := mk("shopify", "4", 7, name("Paulo Costa"), phone(land))
	paula := mk("shopify", "5", 6, name("Paula Costa"), phone(land))
	res := resolve(t, Options{}, maria, joao, mariaTypo, paulo, paula)
	assertSame(t, res, maria, mariaTypo)
	assertApart(t, res, maria, joao)
	assertApart(t, res, paulo, paula)
	assertApart(t, res, joao, paulo)
	if len(res.Report().Shared) != 0 {
		t.Fatalf("four people are within MaxOwners: %+v", res.Report().Shared)
	}
}

func TestPhoneWithoutNameJoinsOnlyAnUnambiguousCustomer(t *testing.T) {
	const land = "+551132221111"
	maria := mk("shopify", "1", 10, name("Maria Costa"), phone(land))
	noName := mk("csv", "2", 9, phone(land))
	res := resolve(t, Options{}, maria, noName)
	assertSame(t, res, maria, noName)

	joao := mk("shopify", "3", 9, name("João Costa"), phone(land))
	res = resolve(t, Options{}, maria, joao, noName)
	assertApart(t, res, noName, maria)
	assertApart(t, res, noName, joao)
}

func TestMaskedAndPlaceholderValuesNeverLink(t *testing.T) {
	cases := []opt{
		phone("+55119****4321"),
		phone("+5511999999999"),
		phone("+5511900000000"),
		email("m***a@gmail.com"),
		ref("a******a"),
		cpf("***.456.789-**"),
		cpf("11111111111"),
		cpf("12345678900"), // wrong check digits
		func(o *normalize.Order) { o.Buyer.Document = "00000000000000" },
	}
	for i, c := range cases {
		a := mk("shopee", "1", 1, name("Ana Lima"), c)
		b := mk("shopee", "2", 1, name("Bruno Reis"), c)
		res := resolve(t, Options{}, a, b)
		assertApart(t, res, a, b)
		if n := len(identities(res)); n != 0 {
			t.Errorf("case %d: %d identities kept from a masked or placeholder value", i, n)
		}
	}
}

func TestSharedIdentifierStopsLinking(t *testing.T) {
	// A seller typing the store's own phone on every order.
	const store = "+5511955554444"
	names := []string{"Ana Lima", "Bruno Reis", "Carla Dias", "Davi Melo", "Eva Rocha", "Fábio Nunes", "Gabriela Paz"}
	var orders []*normalize.Order
	for i, n := range names {
		orders = append(orders, mk("shopify", string(rune('a'+i)), i, name(n), phone(store)))
	}
	// Ana's own second order, with her e-mail in both: still linked by that.
	orders[0].Buyer.Email, orders[0].Buyer.EmailKind = "ana@lima.com.br", normalize.EmailPersonal
	ana2 := mk("shopify", "z", 1, name("Ana Lima"), phone(store), email("ana@lima.com.br"))
	res := resolve(t, Options{}, append(orders, ana2)...)
	for i := 1; i < len(orders); i++ {
		assertApart(t, res, orders[0], orders[i])
	}
	assertSame(t, res, orders[0], ana2)
	sh := res.Report().Shared
	if len(sh) != 1 || sh[0].Kind != KindPhone || sh[0].Orders != 8 || sh[0].Owners != 7 || strings.Contains(sh[0].Value, "955554") {
		t.Fatalf("shared %+v", sh)
	}
	links := res.Links(cid(res, ana2))
	found := false
	for _, l := range links {
		if l.Kind == KindPhone {
			found = l.Shared
		}
	}
	if !found {
		t.Fatalf("links do not show the shared phone: %+v", links)
	}
	// The customers do not show the store's phone as theirs.
	for c := range res.Customers() {
		if c.Phone == store {
			t.Fatalf("customer shows a shared phone: %+v", c)
		}
	}

	// With a higher limit the same phone links (names permitting).
	res = resolve(t, Options{MaxOwners: 10}, append(orders, ana2)...)
	if len(res.Report().Shared) != 0 {
		t.Fatal("MaxOwners not honoured")
	}
}

func TestSharedDocumentStopsLinking(t *testing.T) {
	// A seller's own CPF entered for buyers who gave none.
	seller := cpfOf(55555)
	var orders []*normalize.Order
	for i, n := range []string{"Ana Lima", "Bruno Reis", "Carla Dias", "Davi Melo", "Eva Rocha", "Fábio Nunes"} {
		orders = append(orders, mk("csv", string(rune('a'+i)), i, name(n), cpf(seller)))
	}
	res := resolve(t, Options{}, orders...)
	if res.Report().Customers != 6 {
		t.Fatalf("a CPF under six names linked: %+v", res.Report())
	}
	for c := range res.Customers() {
		if c.Document != "" {
			t.Fatalf("shared document shown on a customer: %+v", c)
		}
	}
}

func TestGiftRecipientIsNotBuyerEvidence(t *testing.T) {
	// Ana sends a gift to Bruno, with Bruno's phone and address.
	gift := mk("shopify", "1", 10, name("Ana Lima"), email("ana@lima.com.br"),
		recipient("Bruno Reis", "+5511987651234"), addr("04538133", "50", "São Paulo", "SP"))
	bruno := mk("shopify", "2", 5, name("Bruno Reis"), phone("+5511987651234"), addr("04538133", "50", "São Paulo", "SP"))
	res := resolve(t, Options{}, gift, bruno)
	assertApart(t, res, gift, bruno)
	for _, id := range identities(res) {
		if id.CustomerID == cid(res, gift) && (id.Kind == KindPhone || id.Kind == KindNameAddress) {
			t.Fatalf("recipient data kept as the buyer's: %+v", id)
		}
	}
	// Ana's own address wins over the gift's.
	own := mk("shopify", "3", 1, name("Ana Lima"), email("ana@lima.com.br"), addr("20040002", "10", "Rio de Janeiro", "RJ"))
	gift2 := mk("shopify", "4", 0, name("Ana Lima"), email("ana@lima.com.br"),
		recipient("Carla Dias", ""), addr("04538133", "50", "São Paulo", "SP"))
	res = resolve(t, Options{}, gift, gift2, own)
	c := customers(res)[cid(res, own)]
	if c.City != "Rio de Janeiro" || c.PostalCode != "20040002" {
		t.Fatalf("gift address shown as the customer's: %+v", c)
	}

	// A recipient with the buyer's name is the buyer: the phone counts.
	self := mk("mercadolivre", "5", 3, name("Bruno Reis"), recipient("BRUNO REIS", "+5511987651234"))
	res = resolve(t, Options{}, bruno, self)
	assertSame(t, res, bruno, self)
}

func TestAddressAloneNeverLinks(t *testing.T) {
	home := addr("30130010", "455", "Belo Horizonte", "MG")
	a := mk("shopee", "1", 5, name("Lúcia Ramos"), home)
	b := mk("shopee", "2", 4, name("Pedro Ramos"), home)
	c := mk("tiktok", "3", 3, name("Lucia Ramos"), home)
	res := resolve(t, Options{}, a, b, c)
	assertApart(t, res, a, b)
	// Same name at the same address is still not enough alone.
	assertApart(t, res, a, c)
}

func TestNameAddressLinksWithCorroboration(t *testing.T) {
	home := addr("30130010", "455", "Belo Horizonte", "MG")
	// The old eight-digit mobile and the current nine-digit one.
	a := mk("mercadolivre", "1", 400, name("Lúcia Ramos"), cpf(cpfOf(9191)), phone("+553187654321"), home)
	b := mk("shopify", "2", 4, name("Lucia Ramos"), phone("+5531987654321"), home)
	// The same mailbox name at another provider.
	c := mk("shopify", "3", 3, name("LUCIA RAMOS"), email("lucia.ramos@hotmail.com"), home)
	d := mk("amazon", "4", 2, name("Lucia Ramos"), email("lucia.ramos@yahoo.com.br"), home)
	// The same phone fragment under another name at the address: no link.
	e := mk("shopify", "5", 1, name("Pedro Ramos"), phone("+5531987654321"), home)
	res := resolve(t, Options{}, a, b, c, d, e)
	assertSame(t, res, a, b)
	assertSame(t, res, c, d)
	assertApart(t, res, a, c)
	assertApart(t, res, a, e)
	var weak []Link
	for _, l := range res.Links(cid(res, a)) {
		if l.Kind == KindNameAddress {
			weak = append(weak, l)
		}
	}
	if len(weak) != 1 || !weak[0].Weak || len(weak[0].Orders) != 2 {
		t.Fatalf("links %+v", res.Links(cid(res, a)))
	}
	if v := weak[0].Value; strings.Contains(v, "lucia") || strings.Contains(v, "30130") {
		t.Fatalf("link value not masked: %q", v)
	}
}

func TestNameAddressStopsLinkingUnderTwoDocuments(t *testing.T) {
	home := addr("30130010", "455", "Belo Horizonte", "MG")
	mother := mk("mercadolivre", "1", 10, name("Maria Silva"), cpf(cpfOf(1)), email("maria.silva@uol.com.br"), home)
	daughter := mk("mercadolivre", "2", 9, name("Maria Silva"), cpf(cpfOf(2)), email("maria.silva@gmail.com"), home)
	// Undocumented, at the same address with a mailbox name both share.
	x := mk("shopify", "3", 8, name("Maria Silva"), email("maria.silva@bol.com.br"), home)
	res := resolve(t, Options{}, mother, daughter, x)
	assertApart(t, res, mother, daughter)
	assertApart(t, res, x, mother)
	assertApart(t, res, x, daughter)
	found := false
	for _, s := range res.Report().Shared {
		found = found || s.Kind == KindNameAddress
	}
	if !found {
		t.Fatalf("name+address key not reported shared: %+v", res.Report().Shared)
	}
}

func TestCommonNamesAtDifferentAddressesStayApart(t *testing.T) {
	a := mk("shopee", "1", 5, name("Maria da Silva"), addr("01310100", "10", "São Paulo", "SP"))
	b := mk("shopee", "2", 4, name("Maria da Silva"), addr("20040002", "10", "Rio de Janeiro", "RJ"))
	c := mk("tiktok", "3", 4, name("Maria da Silva"))
	res := resolve(t, Options{}, a, b, c)
	if res.Report().Customers != 3 {
		t.Fatalf("%+v", res.Report())
	}
}

func TestFirstNamesCompatible(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"maria", "maria", true},
		{"maria", "mraia", true},
		{"maria", "mria", true},
		{"fernanda", "fernnada", true},
		{"m", "maria", true},
		{"maria", "joao", false},
		{"maria", "mario", false},
		{"paulo", "paula", false},
		{"daniel", "daniela", false},
		{"rafael", "rafaela", false},
		{"ana", "ane", false},
		{"ana", "anna", false}, // too short to trust one edit
		{"luis", "luiz", true},
		{"mariana", "maria", false},
	} {
		if got := firstNamesCompatible(c.a, c.b); got != c.want {
			t.Errorf("firstNamesCompatible(%q, %q) = %v", c.a, c.b, got)
		}
		if got := firstNamesCompatible(c.b, c.a); got != c.want {
			t.Errorf("firstNamesCompatible(%q, %q) = %v", c.b, c.a, got)
		}
	}
	if firstToken("sra maria jose") != "maria" || firstToken("") != "" {
		t.Fatal("firstToken")
	}
}
