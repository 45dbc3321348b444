package testgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

type product struct {
	sku       string // seller SKU, e.g. CAM-AZUL-G
	parentSKU string // SKU of the listing the variant belongs to
	title     string
	variation string // "Cor : Azul", "Tamanho : G" (ML's "Name : Value")
	varValue  string // "Azul"
	category  string
	price     int64 // centavos
	grams     int
	asin      string
	mlb       string
	tiktokSKU string
	premium   bool // ML listing type
}

type baseProduct struct {
	name, code, category string
	price                float64 // reais
	grams                int
	axis                 string // "Cor", "Tamanho", "Voltagem", ""
}

var baseProducts = []baseProduct{
	{"Camiseta Básica Algodão", "CAM", "Moda", 49.9, 200, "Cor"},
	{"Calça Jeans Feminina", "CJF", "Moda", 129.9, 600, "Tamanho"},
	{"Vestido Midi Estampado", "VMD", "Moda", 119.9, 350, "Tamanho"},
	{"Tênis Esportivo Corrida", "TEN", "Calçados", 249.9, 900, "Tamanho"},
	{"Chinelo Slide", "CHN", "Calçados", 39.9, 300, "Cor"},
	{"Caneca Cerâmica 350ml", "CAN", "Casa", 29.9, 400, "Cor"},
	{"Jogo de Cama Queen 4 Peças", "JCQ", "Casa", 189.9, 1800, "Cor"},
	{"Toalha de Banho Felpuda", "TOA", "Casa", 59.9, 500, "Cor"},
	{"Tapete Sala 2x1,5m", "TAP", "Casa", 219.9, 3000, "Cor"},
	{"Organizador de Gavetas", "ORG", "Casa", 34.9, 250, ""},
	{"Panela Antiaderente 24cm", "PAN", "Cozinha", 139.9, 1500, "Cor"},
	{"Jogo de Facas Inox 6 Peças", "FAC", "Cozinha", 89.9, 800, ""},
	{"Garrafa Térmica 1L", "GAR", "Cozinha", 79.9, 600, "Cor"},
	{"Air Fryer 4L", "AFR", "Eletroportáteis", 399.9, 4500, "Voltagem"},
	{"Liquidificador 900W", "LIQ", "Eletroportáteis", 189.9, 3000, "Voltagem"},
	{"Cafeteira Elétrica", "CAF", "Eletroportáteis", 149.9, 1800, "Voltagem"},
	{"Fone de Ouvido Bluetooth", "FON", "Eletrônicos", 89.9, 150, "Cor"},
	{"Carregador Turbo USB-C", "CAR", "Eletrônicos", 49.9, 100, ""},
	{"Capa para Celular Silicone", "CAP", "Eletrônicos", 24.9, 50, "Cor"},
	{"Smartwatch Esportivo", "SMW", "Eletrônicos", 299.9, 200, "Cor"},
	{"Caixa de Som Portátil", "CXS", "Eletrônicos", 179.9, 700, "Cor"},
	{"Notebook 15,6\" 8GB 256GB SSD", "NTB", "Informática", 2899.9, 2200, ""},
	{"Monitor LED 24\"", "MON", "Informática", 799.9, 4000, ""},
	{"Mouse Sem Fio", "MOU", "Informática", 39.9, 120, "Cor"},
	{"Teclado Mecânico RGB", "TEC", "Informática", 229.9, 900, ""},
	{"Tinta Acrílica Fosca 3,6L", "TIN", "Construção", 99.9, 4500, "Cor"},
	{"Desempenadeira Aço", "DES", "Ferramentas", 24.85, 600, ""},
	{"Furadeira de Impacto 650W", "FUR", "Ferramentas", 259.9, 2000, "Voltagem"},
	{"Jogo de Chaves 40 Peças", "JCH", "Ferramentas", 119.9, 1800, ""},
	{"Glitter Decorativo 100g", "GLI", "Artesanato", 22.5, 100, "Cor"},
	{"Kit Pincéis Artísticos", "PIN", "Artesanato", 34.9, 150, ""},
	{"Caderno Universitário 10 Matérias", "CAD", "Papelaria", 32.9, 700, "Cor"},
	{"Caneta Gel Kit 12 Cores", "CNT", "Papelaria", 27.9, 150, ""},
	{"Mochila Escolar", "MOC", "Papelaria", 119.9, 800, "Cor"},
	{"Quebra-Cabeça 1000 Peças", "QBC", "Brinquedos", 69.9, 700, ""},
	{"Boneca Articulada", "BON", "Brinquedos", 89.9, 400, ""},
	{"Carrinho de Controle Remoto", "CRC", "Brinquedos", 159.9, 900, "Cor"},
	{"Bola de Futebol Oficial", "BOL", "Esporte", 99.9, 450, ""},
	{"Tapete de Yoga", "YOG", "Esporte", 79.9, 1200, "Cor"},
	{"Halteres 2kg Par", "HAL", "Esporte", 69.9, 4000, ""},
	{"Secador de Cabelo 2000W", "SEC", "Beleza", 159.9, 900, "Voltagem"},
	{"Kit Shampoo e Condicionador", "SHA", "Beleza", 54.9, 700, ""},
	{"Perfume Floral 100ml", "PER", "Beleza", 189.9, 400, ""},
	{"Protetor Solar FPS 50", "PRO", "Beleza", 49.9, 250, ""},
	{"Ração Premium Cães 15kg", "RAC", "Pet", 229.9, 15000, ""},
	{"Arranhador para Gatos", "ARR", "Pet", 89.9, 2000, "Cor"},
	{"Luminária LED de Mesa", "LUM", "Casa", 69.9, 500, "Cor"},
	{"Cadeira Gamer Reclinável", "CGA", "Móveis", 1199.9, 18000, "Cor"},
	{"Escrivaninha Compacta", "ESC", "Móveis", 349.9, 15000, "Cor"},
	{"Relógio de Parede", "REL", "Casa", 59.9, 600, "Cor"},
	{"Kit Tinta Artesanato 12 Cores", "KTA", "Artesanato", 65.0, 800, ""},
	{"Smartphone 128GB", "SMP", "Celulares", 1499.9, 400, "Cor"},
	{"Geladeira Frost Free 375L", "GEL", "Eletrodomésticos", 3899.9, 65000, "Voltagem"},
}

var colours = []string{"Azul", "Preto", "Branco", "Rosa", "Verde", "Cinza", "Bege Areia", "Vermelho", "Dourado", "Amarelo", "Lilás"}
var sizes = []string{"P", "M", "G", "GG", "34", "36", "38", "40", "42"}
var voltages = []string{"110V", "220V", "Bivolt"}

// catalog is the seller's product list, with Zipf-like popularity: a few
// best sellers and a long tail.
type catalog struct {
	products []product
	pick     *aliasTable
}

func newCatalog(seed int64) *catalog {
	r := newRand(seed, "catalog")
	c := &catalog{}
	for bi, b := range baseProducts {
		var values []string
		switch b.axis {
		case "Cor":
			values = sample(r, colours, 2+r.IntN(5))
		case "Tamanho":
			values = sizes[:4]
			if b.category == "Calçados" || strings.HasPrefix(b.name, "Calça") {
				values = []string{"36", "38", "40", "42"}
			}
		case "Voltagem":
			values = voltages[:2+r.IntN(2)]
		default:
			values = []string{""}
		}
		parent := fmt.Sprintf("%s%03d", b.code, bi+1)
		base := int64(b.price*100 + 0.5)
		for _, v := range values {
			p := product{
				parentSKU: parent,
				title:     b.name,
				category:  b.category,
				grams:     b.grams,
				price:     base,
				premium:   r.IntN(2) == 0,
			}
			p.sku = parent
			if v != "" {
				p.sku = parent + "-" + strings.ToUpper(strings.ReplaceAll(dropAccents(v), " ", ""))
				p.variation = b.axis + " : " + v
				p.varValue = v
				if b.axis == "Voltagem" && v == "Bivolt" {
					p.price = base + base/10
				}
			}
			idx := uint64(len(c.products))
			p.asin = "B0" + strings.ToUpper(base36(permute(idx, 36*36*36*36*36*36*36*36, uint64(seed)^0xa51), 8))
			p.mlb = fmt.Sprintf("MLB%010d", 1_000_000_000+permute(idx, 9_000_000_000, uint64(seed)^0x3b1))
			p.tiktokSKU = fmt.Sprintf("17%017d", permute(idx, pow10(17), uint64(seed)^0x77))
			c.products = append(c.products, p)
		}
	}
	ids := make([]int32, len(c.products))
	ws := make([]float64, len(c.products))
	order := r.Perm(len(c.products))
	for i := range c.products {
		ids[i] = int32(i)
		ws[i] = 1 / float64(1+order[i])
	}
	c.pick = newAlias(ids, ws)
	return c
}

func sample(r *rand.Rand, xs []string, k int) []string {
	k = min(k, len(xs))
	idx := r.Perm(len(xs))[:k]
	out := make([]string, k)
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

func base36(x uint64, width int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	buf := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		buf[i] = digits[x%36]
		x /= 36
	}
	return string(buf)
}

// fullTitle is the product title with its variant, joined by sep.
func (p *product) fullTitle(sep string) string {
	if p.varValue == "" {
		return p.title
	}
	return p.title + sep + p.varValue
}
