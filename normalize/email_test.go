package normalize

import (
	"strings"
	"testing"
)

type emailCase struct {
	in   string
	want string
	kind EmailKind
	err  string
}

var emailCases = []emailCase{
	{"maria@example.com", "maria@example.com", EmailPersonal, ""},
	{" Maria@Example.COM ", "maria@example.com", EmailPersonal, ""},
	{"mailto:maria@example.com", "maria@example.com", EmailPersonal, ""},
	{"MAILTO:Maria@Example.com", "maria@example.com", EmailPersonal, ""},
	{"<maria@example.com>", "maria@example.com", EmailPersonal, ""},
	{"Maria Silva <maria@example.com>", "maria@example.com", EmailPersonal, ""},
	{"maria@example.com.", "maria@example.com", EmailPersonal, ""},
	{"maria\u2060@gmail.com", "maria@gmail.com", EmailPersonal, ""},
	{"\ufeffmaria@gmail.com\u00a0", "maria@gmail.com", EmailPersonal, ""},
	{"joao.silva+loja@gmail.com", "joao.silva+loja@gmail.com", EmailPersonal, ""},
	{"ana_souza-1@bol.com.br", "ana_souza-1@bol.com.br", EmailPersonal, ""},
	{"jose@exemplo.com.br", "jose@exemplo.com.br", EmailPersonal, ""},
	{"joão@exemplo.com.br", "joão@exemplo.com.br", EmailPersonal, ""},
	{"teste.loja@gmail.com", "teste.loja@gmail.com", EmailPersonal, ""},
	// Placeholders: filler typed into required fields.
	{"", "", EmailNone, ""},
	{" ", "", EmailNone, ""},
	{"-", "", EmailNone, ""},
	{"sem email", "", EmailNone, ""},
	{"Sem E-mail", "", EmailNone, ""},
	{"SEM EMAIL", "", EmailNone, ""},
	{"Não tem", "", EmailNone, ""},
	{"n/a", "", EmailNone, ""},
	{"N/A", "", EmailNone, ""},
	{"na", "", EmailNone, ""},
	{"semmail@gmail.com", "", EmailNone, ""},
	{"sememail@hotmail.com", "", EmailNone, ""},
	{"naotem@hotmail.com", "", EmailNone, ""},
	{"nao@tem.com", "", EmailNone, ""},
	{"teste@teste.com", "", EmailNone, ""},
	{"teste@teste.com.br", "", EmailNone, ""},
	{"email@email.com", "", EmailNone, ""},
	{"x@x.com", "", EmailNone, ""},
	{"a@a.com.br", "", EmailNone, ""},
	{"fulano@teste.com", "", EmailNone, ""},
	{"******", "", EmailNone, ""},
	// Marketplace relays and masked addresses.
	{"0abc123xyz@marketplace.amazon.com.br", "0abc123xyz@marketplace.amazon.com.br", EmailRelay, ""},
	{"abc@marketplace.amazon.com", "abc@marketplace.amazon.com", EmailRelay, ""},
	{"Comprador.123@mail.mercadolivre.com", "comprador.123@mail.mercadolivre.com", EmailRelay, ""},
	{"a****@gmail.com", "a****@gmail.com", EmailRelay, ""},
	{"m*****a@hotmail.com", "m*****a@hotmail.com", EmailRelay, ""},
	{"a*@gmail.com", "a*@gmail.com", EmailRelay, ""},
	// Not addresses.
	{"maria@", "", EmailNone, `"*****@" is not an e-mail address: there is nothing after the @`},
	{"maria", "", EmailNone, "it has no @"},
	{"@gmail.com", "", EmailNone, "nothing before the @"},
	{"maria@gmail", "", EmailNone, "has no dot"},
	{"maria@@gmail.com", "", EmailNone, "more than one @"},
	{"a@b@c.com", "", EmailNone, "more than one @"},
	{"maria silva@gmail.com", "", EmailNone, "it has a space"},
	{"maria@gmail,com", "", EmailNone, "characters a domain cannot have"},
	{"maria@gmail..com", "", EmailNone, "malformed"},
	{"maria@.gmail.com", "", EmailNone, "malformed"},
	{"maria@gmail.c", "", EmailNone, "does not end like"},
	{"maria@10.0.0.1", "", EmailNone, "does not end like"},
	{"maria;joao@gmail.com", "", EmailNone, "characters an address cannot have"},
	{"maria@gmail.com; joao@gmail.com", "", EmailNone, "more than one @"},
}

func TestParseEmail(t *testing.T) {
	for _, tc := range emailCases {
		got, kind, err := ParseEmail(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseEmail(%q) = %q, %q, %v; want error containing %q", tc.in, got, kind, err, tc.err)
			}
			if local := strings.ToLower(strings.SplitN(tc.in, "@", 2)[0]); err != nil && len(local) >= 3 && strings.Contains(err.Error(), local) {
				t.Errorf("ParseEmail(%q) error shows the local part: %v", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want || kind != tc.kind {
			t.Errorf("ParseEmail(%q) = %q, %q, %v; want %q, %q", tc.in, got, kind, err, tc.want, tc.kind)
		}
	}
}

func TestEmailMatchKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"joao.silva+loja@gmail.com", "joaosilva@gmail.com"},
		{"Joao.Silva@GoogleMail.com", "joaosilva@gmail.com"},
		{"j.o.a.o@gmail.com", "joao@gmail.com"},
		{"joao.silva+x@hotmail.com", "joao.silva@hotmail.com"},
		{"joao.silva@hotmail.com", "joao.silva@hotmail.com"},
		{"ana@bol.com.br", "ana@bol.com.br"},
		{"+abc@x.com", "+abc@x.com"},
		{"no-at", "no-at"},
		{"", ""},
	} {
		got := EmailMatchKey(tc.in)
		if got != tc.want {
			t.Errorf("EmailMatchKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := EmailMatchKey(got); again != got {
			t.Errorf("EmailMatchKey is not idempotent on %q: %q", got, again)
		}
	}
}

func FuzzParseEmail(f *testing.F) {
	for _, tc := range emailCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := EmailMatchKey(s)
		if again := EmailMatchKey(k); again != k {
			t.Fatalf("EmailMatchKey(%q) = %q, then %q", s, k, again)
		}
		addr, kind, err := ParseEmail(s)
		if err != nil {
			return
		}
		if (addr == "") != (kind == EmailNone) {
			t.Fatalf("ParseEmail(%q) = %q, %q", s, addr, kind)
		}
		if addr == "" {
			return
		}
		if strings.Count(addr, "@") != 1 || strings.ContainsAny(addr, " \t\n") || strings.ToLower(addr) != addr {
			t.Fatalf("ParseEmail(%q) = %q, not a clean address", s, addr)
		}
		a2, k2, err := ParseEmail(addr)
		if a2 != addr || k2 != kind || err != nil {
			t.Fatalf("ParseEmail(%q) = %q, %q, but that reads %q, %q, %v", s, addr, kind, a2, k2, err)
		}
	})
}

func BenchmarkParseEmail(b *testing.B) {
	in := []string{"maria@example.com", "Joao.Silva@Gmail.com", "0abc123xyz@marketplace.amazon.com.br", "a****@gmail.com", "sem email"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := ParseEmail(in[i%len(in)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}
