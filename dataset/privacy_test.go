package dataset

import (
	"slices"
	"testing"

	"github.com/orderhist/orderhist/internal/pii"
)

// TestProtectCustomerUsernames: under hash a customer's usernames hash as
// the orders' buyer_ref does, so the two still join; under drop none is
// left.
func TestProtectCustomerUsernames(t *testing.T) {
	hash, err := pii.New("hash", "a-test-key-of-32-bytes-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	drop, _ := pii.New("drop", "")
	clear, _ := pii.New("clear", "")
	for _, tc := range []struct {
		p    *pii.Protector
		want func(string) string
	}{
		{clear, func(u string) string { return u }},
		{hash, func(u string) string {
			o := OrderRow{BuyerRef: u}
			ProtectOrder(hash, &o)
			return o.BuyerRef
		}},
		{drop, nil},
	} {
		users := []string{"123456789", "maria_s"}
		c := CustomerRow{Usernames: slices.Clone(users)}
		ProtectCustomer(tc.p, &c)
		var want []string
		if tc.want != nil {
			for _, u := range users {
				want = append(want, tc.want(u))
			}
		}
		if !slices.Equal(c.Usernames, want) {
			t.Errorf("%s: usernames %q, want %q", tc.p.Mode(), c.Usernames, want)
		}
		if tc.p.Mode() == pii.Hash && (c.Usernames[0] == users[0] || !pii.Hashed(c.Usernames[1])) {
			t.Errorf("hash left a username in clear: %q", c.Usernames)
		}
	}
}
