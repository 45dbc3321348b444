package dedupe

import "testing"

// Shopee's exports name only who receives the parcel: the customer shows
// that name, and it never links anyone.
func TestRecipientNameShownWhenNoBuyerName(t *testing.T) {
	a := mk("shopee", "A1", 1, ref("vogatago"), recipient("Vogata Gomes", ""))
	b := mk("shopee", "A2", 5, ref("vogatago"))
	res := resolve(t, Options{}, a, b)
	if c := customerOf(t, res, cid(res, a)); c.Name != "Vogata Gomes" {
		t.Errorf("name %q, want the recipient's", c.Name)
	}

	own := mk("shopify", "S1", 1, email("ana@example.com"), name("Ana Souza"))
	gift := mk("shopify", "S2", 2, email("ana@example.com"), recipient("Bruno Lima", ""))
	gift2 := mk("shopify", "S3", 3, email("ana@example.com"), recipient("Bruno Lima", ""))
	res = resolve(t, Options{}, own, gift, gift2)
	if c := customerOf(t, res, cid(res, own)); c.Name != "Ana Souza" {
		t.Errorf("name %q: a buyer's own name must win over recipients'", c.Name)
	}

	// Two buyers with no name, shipping to the same recipient name, stay
	// apart: the recipient's name is not evidence.
	x := mk("shopee", "X", 1, ref("user_x"), recipient("Maria Silva", ""), addr("01001000", "10", "São Paulo", "SP"))
	y := mk("shopee", "Y", 2, ref("user_y"), recipient("Maria Silva", ""), addr("01001000", "10", "São Paulo", "SP"))
	res = resolve(t, Options{}, x, y)
	if cid(res, x) == cid(res, y) {
		t.Error("a recipient's name linked two buyers")
	}
}

func customerOf(t *testing.T, res *Result, id string) Customer {
	t.Helper()
	for c := range res.Customers() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no customer %s", id)
	return Customer{}
}
