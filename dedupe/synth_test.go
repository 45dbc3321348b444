package dedupe

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// A synthetic population for quality tests and the benchmark: people in
// households, buying on one to four channels, each channel showing some of
// their identifiers, already cleaned the way connectors clean them but with
// what cleaning cannot fix: missing values, typos and spelling variants in
// names, shared landlines, family e-mails, gifts, common names.

var (
	femaleNames = []string{"Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Patrícia", "Aline",
		"Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia", "Luciana", "Vanessa", "Mariana", "Gabriela",
		"Rafaela", "Daniela", "Paula", "Beatriz", "Larissa", "Renata", "Simone", "Cristiane", "Raimunda", "Sebastiana", "Tatiane"}
	maleNames = []string{"José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz", "Marcos",
		"Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo", "Rodrigo", "Manoel",
		"Mateus", "André", "Fernando", "Fábio", "Leonardo", "Gustavo", "Guilherme", "Leandro", "Tiago", "Mario", "Adriano"}
	middleNames = []string{"Aparecida", "de Jesus", "Cristina", "Carolina", "Eduardo", "Henrique", "Augusto", "Vitória", "Luiz"}
	lastNames   = []string{"da Silva", "da Silva", "da Silva", "dos Santos", "dos Santos", "Oliveira", "Oliveira", "Souza", "Souza",
		"Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida",
		"Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira"}
	cities = [][2]string{{"São Paulo", "SP"}, {"Rio de Janeiro", "RJ"}, {"Belo Horizonte", "MG"}, {"Salvador", "BA"},
		{"Fortaleza", "CE"}, {"Curitiba", "PR"}, {"Recife", "PE"}, {"Porto Alegre", "RS"}, {"Goiânia", "GO"}, {"Campinas", "SP"}}
	mailDomains = []string{"gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br", "bol.com.br"}
	channels    = []string{"mercadolivre", "shopee", "shopify", "amazon", "tiktok", "csv"}
	chanWeight  = []float64{32, 28, 10, 12, 10, 8}
)

type synthPerson struct {
	first, middle, last string
	cpf, email, mobile  string
	landline            string
	familyEmail         string // a mailbox shared with the household, used instead of email sometimes
	cep, number         string
	city, uf            string
	channels            []string
	orders              []int // per channel
}

type synth struct {
	// noDocs hides every document, as a store that never asks for one.
	noDocs bool
	seed   uint64
	rng    *rand.Rand
	people []synthPerson
}

func newSynth(seed uint64, n int, ordersPerPerson float64) *synth {
	s := &synth{seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	r := s.rng
	s.people = make([]synthPerson, 0, n)
	house := 0
	for len(s.people) < n {
		house++
		size := 1
		if r.Float64() < 0.3 {
			size = 2 + r.IntN(3)
		}
		last := lastNames[r.IntN(len(lastNames))]
		city := cities[r.IntN(len(cities))]
		// CEPs are per street: a household's, and sometimes a neighbour's.
		cep := fmt.Sprintf("%05d%03d", 1000+r.IntN(98000), r.IntN(1000))
		number := fmt.Sprint(1 + r.IntN(2000))
		landline := ""
		if r.Float64() < 0.5 {
			landline = fmt.Sprintf("+55%02d3%07d", 11+r.IntN(80), r.IntN(10_000_000))
		}
		familyEmail := ""
		used := map[string]bool{}
		for k := 0; k < size && len(s.people) < n; k++ {
			p := synthPerson{last: last, cep: cep, number: number, city: city[0], uf: city[1], landline: landline}
			for {
				pool := femaleNames
				if r.IntN(2) == 0 {
					pool = maleNames
				}
				p.first = pool[r.IntN(len(pool))]
				if !used[p.first] {
					used[p.first] = true
					break
				}
			}
			if r.Float64() < 0.3 {
				p.middle = middleNames[r.IntN(len(middleNames))]
			}
			if r.Float64() < 0.85 {
				p.cpf = cpfOf(100_000_000 + len(s.people))
			}
			if r.Float64() < 0.75 {
				local := strings.ToLower(fold(p.first) + "." + fold(strings.ReplaceAll(last, " ", "")))
				p.email = fmt.Sprintf("%s%d@%s", local, len(s.people), mailDomains[r.IntN(len(mailDomains))])
			}
			if r.Float64() < 0.85 {
				p.mobile = fmt.Sprintf("+55%02d9%08d", 11+r.IntN(80), r.IntN(100_000_000))
			}
			if p.cpf == "" && p.mobile == "" {
				p.mobile = fmt.Sprintf("+55%02d9%08d", 11+r.IntN(80), r.IntN(100_000_000))
			}
			if size > 1 && r.Float64() < 0.05 {
				if familyEmail == "" {
					familyEmail = fmt.Sprintf("familia.%s%d@hotmail.com", fold(strings.ReplaceAll(last, " ", "")), house)
				}
				p.familyEmail = familyEmail
			}
			nch := 1
			switch x := r.Float64(); {
			case x < 0.25:
				nch = 2
			case x < 0.37:
				nch = 3
			case x < 0.42:
				nch = 4
			}
			for len(p.channels) < nch {
				c := pickWeighted(r, channels, chanWeight)
				dup := false
				for _, x := range p.channels {
					dup = dup || x == c
				}
				if !dup {
					p.channels = append(p.channels, c)
					// Geometric: most buy once, a few many times; 1.64 is
					// the mean number of channels.
					k := 1
					for r.Float64() < 1-1.64/ordersPerPerson && k < 40 {
						k++
					}
					p.orders = append(p.orders, k)
				}
			}
			s.people = append(s.people, p)
		}
	}
	return s
}

func pickWeighted(r *rand.Rand, xs []string, w []float64) string {
	t := 0.0
	for _, x := range w {
		t += x
	}
	v := r.Float64() * t
	for i, x := range w {
		if v < x {
			return xs[i]
		}
		v -= x
	}
	return xs[len(xs)-1]
}

func fold(s string) string {
	return strings.ReplaceAll(normalize.NameKey(s), " ", "")
}

// typo makes one keyboard slip: a letter dropped, doubled, swapped with the
// next, or replaced.
func typo(r *rand.Rand, s string) string {
	b := []rune(s)
	if len(b) < 4 {
		return s
	}
	i := 1 + r.IntN(len(b)-2)
	if b[i] == ' ' || b[i+1] == ' ' {
		return s
	}
	switch r.IntN(4) {
	case 0:
		b = append(b[:i], b[i+1:]...)
	case 1:
		b = append(b[:i+1], b[i:]...)
	case 2:
		b[i], b[i+1] = b[i+1], b[i]
	default:
		b[i] = rune('a' + r.IntN(26))
	}
	return string(b)
}

// each generates every order of the population, reusing one Order value,
// and calls f with it and the person's index; every call generates the same
// orders.
func (s *synth) each(f func(o *normalize.Order, person int)) {
	s.rng = rand.New(rand.NewPCG(s.seed+1, s.seed))
	r := s.rng
	var o normalize.Order
	lines := make([]normalize.Line, 1)
	seq := 0
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for pi := range s.people {
		p := &s.people[pi]
		for ci, ch := range p.channels {
			for k := 0; k < p.orders[ci]; k++ {
				seq++
				o = normalize.Order{
					Source: ch, Account: "main", OrderID: fmt.Sprint(1_000_000_000 + seq*7),
					OrderedAt: start.Add(time.Duration(r.Int64N(int64(800 * 24 * time.Hour)))),
					Status:    normalize.StatusDelivered,
				}
				if r.Float64() < 0.05 {
					o.Status = normalize.StatusCancelled
				}
				o.OrderTotal = normalize.Cents(1000 + r.Int64N(50000))
				lines[0] = normalize.Line{LineNo: 1, Quantity: int32(1 + r.IntN(3))}
				o.Lines = lines
				s.fill(&o, p, pi, ch)
				f(&o, pi)
			}
		}
	}
}

func (s *synth) fill(o *normalize.Order, p *synthPerson, pi int, ch string) {
	r := s.rng
	chance := func(x float64) bool { return r.Float64() < x }
	// Name as typed: full or short, sometimes upper case, sometimes a typo.
	n := p.first + " " + p.last
	if p.middle != "" && chance(0.5) {
		n = p.first + " " + p.middle + " " + p.last
	}
	if chance(0.15) {
		n = strings.ToUpper(n)
	}
	if chance(0.08) {
		n = typo(r, n)
	}
	o.Buyer.Name = n
	var pCPF, pEmail, pPhone, pRef float64
	switch ch {
	case "mercadolivre":
		pCPF, pEmail, pPhone, pRef = 0.95, 0, 0.5, 1
	case "shopee":
		pCPF, pEmail, pPhone, pRef = 0.8, 0, 0.6, 1
	case "shopify":
		pCPF, pEmail, pPhone, pRef = 0.3, 0.97, 0.7, 0.8
	case "amazon":
		pCPF, pEmail, pPhone, pRef = 0.6, 0, 0.4, 0
	case "tiktok":
		pCPF, pEmail, pPhone, pRef = 0.75, 0, 0.6, 0
	case "csv":
		pCPF, pEmail, pPhone, pRef = 0.6, 0.9, 0.7, 0
	}
	// Brazilian invoices (NF-e) need the buyer's CPF, so nearly every
	// channel shows it; people who never give one are known by their
	// mobile. Three orders in a hundred show neither.
	primary := chance(0.97)
	if p.cpf != "" && !s.noDocs && (primary || chance(pCPF)) {
		o.Buyer.Document, o.Buyer.DocumentType = p.cpf, normalize.DocCPF
	}
	if chance(pEmail) {
		e := p.email
		if p.familyEmail != "" && (e == "" || chance(0.5)) {
			e = p.familyEmail
		}
		if e != "" && strings.HasSuffix(e, "@gmail.com") && chance(0.3) {
			e = strings.Replace(e, ".", "", 1) // Gmail ignores dots
		}
		if e != "" {
			o.Buyer.Email, o.Buyer.EmailKind = e, normalize.EmailPersonal
		}
	}
	if ch == "amazon" {
		o.Buyer.Email, o.Buyer.EmailKind = fmt.Sprintf("%x@marketplace.amazon.com.br", uint64(pi)*0x9e3779b97f4a7c15), normalize.EmailRelay
	}
	if (p.cpf == "" || s.noDocs) && primary && p.mobile != "" {
		o.Buyer.Phone = p.mobile
	} else if chance(pPhone) {
		switch {
		case p.landline != "" && (p.mobile == "" || chance(0.3)):
			o.Buyer.Phone = p.landline
		default:
			o.Buyer.Phone = p.mobile
		}
	}
	if ch == "csv" && chance(0.05) {
		// The seller typed the store's own phone for a buyer who gave none.
		o.Buyer.Phone = "+551140041234"
	}
	if chance(pRef) {
		o.Buyer.Ref = fmt.Sprintf("%s-%d", ch, pi)
	}
	o.Ship = normalize.Address{
		RecipientName: n, Street: "Rua " + p.last, Number: p.number, City: p.city, State: p.uf, PostalCode: p.cep, Country: "BR",
	}
	if chance(0.08) {
		// A gift: someone else's name, phone and address.
		q := &s.people[r.IntN(len(s.people))]
		o.Ship = normalize.Address{
			RecipientName: q.first + " " + q.last, RecipientPhone: q.mobile,
			Street: "Rua " + q.last, Number: q.number, City: q.city, State: q.uf, PostalCode: q.cep, Country: "BR",
		}
	}
}

// orderKeyString is the key ground truth and scores use.
func orderKeyString(o *normalize.Order) string { return o.Source + "/" + o.Account + "/" + o.OrderID }
