package testgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Channel (source) names, as orderhist's connectors name themselves.
const (
	SourceAmazon       = "amazon"
	SourceShopify      = "shopify"
	SourceMercadoLivre = "mercadolivre"
	SourceShopee       = "shopee"
	SourceTikTok       = "tiktok"
	SourceCSV          = "csv"
)

var channelNames = []string{SourceMercadoLivre, SourceShopee, SourceAmazon, SourceTikTok, SourceShopify, SourceCSV}
var channelWeights = []float64{32, 28, 14, 10, 9, 7}

// Address is a home or business address as the person would type it, in
// full.
type Address struct {
	Street       string
	Number       string // "s/n" for houses without a number
	Complement   string
	Neighborhood string
	City         string
	UF           string // two-letter code
	State        string // full state name
	CEP          string // 8 digits
}

// Person is one true buyer (or company) with everything the marketplaces may
// reveal about them. Generated files show these values through each
// marketplace's formatting, masking and noise; tests compare against the
// values here.
type Person struct {
	ID        string // "P000001", the person_id of truth.csv
	Index     int    // position in People's result
	Household int    // people sharing an address share this number
	Company   bool
	Name      string // full name, or the company's legal name
	FirstName string
	LastName  string
	// ShortName is first and last name only, how people fill quick forms.
	ShortName    string
	Document     string // CPF (11 digits) or CNPJ (14 characters), no punctuation
	DocumentType string // "cpf" or "cnpj"
	Email        string // personal mailbox, lower case
	AltEmail     string // a second mailbox some use for shopping, or ""
	Phone        string // mobile (or business line), E.164
	Landline     string // household landline, E.164, or ""
	Address      Address
	Channels     []string // sources this person buys on, 1 to 4
	ShopeeUser   string
	TikTokUser   string
	AmazonEmail  string // Amazon's relay address for this buyer
	ShopifyEmail string // the address used at the Shopify store's checkout
	// Activity is a relative purchase rate: orders of a channel go to its
	// buyers in proportion to it. Heavy-tailed: most people buy rarely.
	Activity float64
}

func (p *Person) buysOn(ch string) bool {
	for _, c := range p.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// People returns the population behind Generate and Sightings for the same
// seed and n. It depends on nothing else, and People(seed, n) is a prefix
// of People(seed, m) for n < m.
func People(seed int64, n int) []Person {
	if n <= 0 {
		return nil
	}
	return buildPeople(seed, n)
}

type popBuilder struct {
	r        *rand.Rand
	seed     int64
	used     map[string]struct{}
	cpfCount uint64
	female   weighted[string]
	male     weighted[string]
	surname  weighted[string]
	domain   weighted[string]
	state    weighted[string]
	channel  weighted[string]
}

func names(ws []wname) ([]string, []float64) {
	n := make([]string, len(ws))
	w := make([]float64, len(ws))
	for i, x := range ws {
		n[i], w[i] = x.name, x.w
	}
	return n, w
}

func newPopBuilder(seed int64) *popBuilder {
	b := &popBuilder{r: newRand(seed, "population"), seed: seed, used: map[string]struct{}{}}
	b.female = newWeighted(names(femaleFirst))
	b.male = newWeighted(names(maleFirst))
	b.surname = newWeighted(names(surnames))
	b.domain = newWeighted(names(freeMailDomains))
	ufs := make([]string, len(states))
	ws := make([]float64, len(states))
	for i, s := range states {
		ufs[i], ws[i] = s.uf, s.w
	}
	b.state = newWeighted(ufs, ws)
	b.channel = newWeighted(channelNames, channelWeights)
	return b
}

// claim reserves a unique key (e-mail, phone, username, document) and
// reports whether it was free.
func (b *popBuilder) claim(kind, v string) bool {
	k := kind + "\x00" + v
	if _, ok := b.used[k]; ok {
		return false
	}
	b.used[k] = struct{}{}
	return true
}

func buildPeople(seed int64, n int) []Person {
	b := newPopBuilder(seed)
	people := make([]Person, 0, n)
	household := 0
	for len(people) < n {
		r := b.r
		if chance(r, 0.03) {
			p := b.company(len(people), household)
			people = append(people, p)
			household++
			continue
		}
		size := householdSizes.pick(r)
		size = min(size, n-len(people))
		addr := b.address()
		family := b.surname.pick(r)
		landline := ""
		pLandline := 0.15
		if size > 1 {
			pLandline = 0.4
		}
		if chance(r, pLandline) {
			landline = b.phone(addr, true)
		}
		for range size {
			p := b.person(len(people), household, addr, family, landline)
			people = append(people, p)
		}
		household++
	}
	return people
}

var (
	householdSizes = newWeighted([]int{1, 2, 3, 4, 5}, []float64{45, 25, 15, 10, 5})
	channelCounts  = newWeighted([]int{1, 2, 3, 4}, []float64{55, 28, 12, 5})
	cityPickers    = func() map[string]weighted[int] {
		m := map[string]weighted[int]{}
		for uf, idx := range citiesByUF {
			ws := make([]float64, len(idx))
			for i, c := range idx {
				ws[i] = cities[c].w
			}
			m[uf] = newWeighted(idx, ws)
		}
		return m
	}()
)

func (b *popBuilder) cityOf(uf string) city { return cities[cityPickers[uf].pick(b.r)] }

func (b *popBuilder) address() Address {
	r := b.r
	uf := b.state.pick(r)
	c := b.cityOf(uf)
	prefix := c.cepLo + r.IntN(c.cepHi-c.cepLo+1)
	cep := fmt.Sprintf("%05d%03d", prefix, r.IntN(1000))
	street := pick(r, streets)
	if chance(r, 0.35) {
		var who string
		if chance(r, 0.5) {
			who = b.female.pick(r) + " " + b.surname.pick(r)
		} else {
			who = b.male.pick(r) + " " + b.surname.pick(r)
		}
		street = fmt.Sprintf(pick(r, streetPatterns), who)
	}
	num := "s/n"
	if !chance(r, 0.02) {
		num = strconv.Itoa(1 + int(pareto(r, 0.9, 40)*float64(1+r.IntN(90))))
	}
	comp := ""
	if chance(r, 0.45) {
		comp = pick(r, complements)
		if strings.Contains(comp, "%d") {
			comp = fmt.Sprintf(comp, 1+r.IntN(40)*10+r.IntN(8))
		}
	}
	return Address{
		Street: street, Number: num, Complement: comp, Neighborhood: pick(r, neighborhoods),
		City: c.name, UF: uf, State: stateByUF[uf].name, CEP: cep,
	}
}

func dddOf(a Address) int {
	for _, i := range citiesByUF[a.UF] {
		if cities[i].name == a.City {
			return cities[i].ddd
		}
	}
	return 11
}

// phone draws a unique number: mobiles are 9 + 8 digits whose first is 6-9
// (the pre-2016 mobile range), landlines 8 digits starting 2-5.
func (b *popBuilder) phone(a Address, landline bool) string {
	ddd := dddOf(a)
	for {
		var num string
		if landline {
			num = fmt.Sprintf("%d%07d", 2+b.r.IntN(4), b.r.IntN(10000000))
		} else {
			num = fmt.Sprintf("9%d%07d", 6+b.r.IntN(4), b.r.IntN(10000000))
		}
		e := fmt.Sprintf("+55%d%s", ddd, num)
		if b.claim("phone", e) {
			return e
		}
	}
}

func (b *popBuilder) cpf() string {
	for {
		base := permute(b.cpfCount, 1_000_000_000, splitmix64(uint64(b.seed)^0xc9f))
		b.cpfCount++
		if c := cpfFromBase(base); ValidCPF(c) {
			return c
		}
	}
}

func (b *popBuilder) cnpj() string {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for {
		var root string
		if chance(b.r, 0.1) {
			var sb strings.Builder
			for range 8 {
				sb.WriteByte(alnum[b.r.IntN(len(alnum))])
			}
			root = sb.String() + "0001"
		} else {
			branch := "0001"
			if chance(b.r, 0.1) {
				branch = fmt.Sprintf("%04d", 2+b.r.IntN(8))
			}
			root = fmt.Sprintf("%08d", b.r.IntN(100_000_000)) + branch
		}
		c := cnpjFromRoot(root)
		if ValidCNPJ(c) && b.claim("doc", c) {
			return c
		}
	}
}

func (b *popBuilder) personName(family string) (full, first, last string) {
	r := b.r
	if chance(r, 0.015) {
		full = pick(r, commonFullNames)
		f := strings.Fields(full)
		return full, f[0], f[len(f)-1]
	}
	femaleName := chance(r, 0.52)
	var parts []string
	if femaleName {
		first = b.female.pick(r)
	} else {
		first = b.male.pick(r)
	}
	parts = append(parts, first)
	if chance(r, 0.25) {
		if femaleName {
			parts = append(parts, pick(r, femaleMiddle))
		} else {
			parts = append(parts, pick(r, maleMiddle))
		}
	}
	last = family
	if !chance(r, 0.7) {
		last = b.surname.pick(r)
	}
	var sur []string
	if chance(r, 0.55) {
		if s := b.surname.pick(r); s != last {
			sur = append(sur, s)
		}
	}
	sur = append(sur, last)
	if p, ok := particles[sur[0]]; ok && chance(r, 0.35) {
		parts = append(parts, p)
	}
	parts = append(parts, sur...)
	return strings.Join(parts, " "), first, last
}

func (b *popBuilder) email(first, last string, company bool) string {
	r := b.r
	f, l := slug(first), slug(last)
	for try := 0; ; try++ {
		var local, domain string
		if company {
			local = pick(r, []string{"contato", "compras", "financeiro", "vendas", "adm"})
			domain = l + pick(r, []string{"", "comercio", "store", "ltda", "distribuidora"}) + ".com.br"
			if try > 0 {
				domain = l + strconv.Itoa(try+r.IntN(90)) + ".com.br"
			}
		} else {
			domain = b.domain.pick(r)
			switch r.IntN(8) {
			case 0:
				local = f + "." + l
			case 1:
				local = f + l
			case 2:
				local = f + "_" + l
			case 3:
				local = fmt.Sprintf("%s.%s%02d", f, l, r.IntN(100))
			case 4:
				local = fmt.Sprintf("%s%s%d", f, l, 1+r.IntN(999))
			case 5:
				local = f[:1] + l
			case 6:
				local = fmt.Sprintf("%s%d", f, 1960+r.IntN(50))
			default:
				local = l + "." + f
			}
			if try > 1 {
				local += strconv.Itoa(r.IntN(10000))
			}
		}
		e := local + "@" + domain
		if b.claim("email", e) {
			return e
		}
	}
}

func (b *popBuilder) username(kind, first, last string) string {
	r := b.r
	f, l := slug(first), slug(last)
	for try := 0; ; try++ {
		var u string
		switch {
		case kind == "tiktok" && chance(r, 0.3):
			u = fmt.Sprintf("user%010d", r.IntN(10_000_000_000))
		case chance(r, 0.12):
			u = randomToken(r, 8+r.IntN(5))
		default:
			switch r.IntN(5) {
			case 0:
				u = fmt.Sprintf("%s%s%d", f, l, r.IntN(1000))
			case 1:
				u = f + "." + l
			case 2:
				u = fmt.Sprintf("%s_%s%d", f, l, r.IntN(100))
			case 3:
				u = fmt.Sprintf("%s%d", f, 1970+r.IntN(40))
			default:
				u = f + "_" + l[:min(3, len(l))] + strconv.Itoa(r.IntN(10000))
			}
		}
		if try > 2 {
			u += strconv.Itoa(r.IntN(100000))
		}
		if b.claim(kind, u) {
			return u
		}
	}
}

func randomToken(r *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = chars[r.IntN(len(chars))]
	}
	return string(buf)
}

func (b *popBuilder) channels() []string {
	r := b.r
	k := channelCounts.pick(r)
	var out []string
	for len(out) < k {
		c := b.channel.pick(r)
		dup := false
		for _, x := range out {
			dup = dup || x == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	// Table order, not draw order: the same set always reads the same.
	sorted := out[:0:0]
	for _, c := range channelNames {
		for _, x := range out {
			if x == c {
				sorted = append(sorted, c)
			}
		}
	}
	return sorted
}

func (b *popBuilder) accounts(p *Person, first, last string) {
	r := b.r
	p.Channels = b.channels()
	p.Activity = pareto(r, 1.16, 400)
	if chance(r, 0.2) {
		p.AltEmail = b.email(first, last, false)
	}
	for _, c := range p.Channels {
		switch c {
		case SourceShopee:
			p.ShopeeUser = b.username("shopee", first, last)
		case SourceTikTok:
			p.TikTokUser = b.username("tiktok", first, last)
		case SourceAmazon:
			for {
				e := randomToken(r, 14) + "@marketplace.amazon.com.br"
				if b.claim("email", e) {
					p.AmazonEmail = e
					break
				}
			}
		case SourceShopify:
			p.ShopifyEmail = p.Email
			if p.AltEmail != "" && chance(r, 0.6) {
				p.ShopifyEmail = p.AltEmail
			}
		}
	}
}

func personID(i int) string { return fmt.Sprintf("P%06d", i+1) }

func (b *popBuilder) person(i, household int, addr Address, family, landline string) Person {
	full, first, last := b.personName(family)
	p := Person{
		ID: personID(i), Index: i, Household: household, Name: full, FirstName: first, LastName: last,
		ShortName: first + " " + last, Document: b.cpf(), DocumentType: "cpf",
		Address: addr, Landline: landline,
	}
	p.Email = b.email(first, last, false)
	p.Phone = b.phone(addr, false)
	b.accounts(&p, first, last)
	return p
}

func (b *popBuilder) company(i, household int) Person {
	r := b.r
	owner := b.surname.pick(r)
	name := fmt.Sprintf(pick(r, companyForms), owner)
	addr := b.address()
	p := Person{
		ID: personID(i), Index: i, Household: household, Company: true, Name: name,
		FirstName: strings.Fields(name)[0], LastName: owner, ShortName: name,
		Document: b.cnpj(), DocumentType: "cnpj", Address: addr,
	}
	p.Email = b.email(name, owner, true)
	p.Phone = b.phone(addr, chance(r, 0.5))
	b.accounts(&p, strings.Fields(name)[0], owner)
	if p.ShopifyEmail != "" {
		p.ShopifyEmail = p.Email
	}
	return p
}
