package testgen

// Name tables. Weights follow the rough shape of IBGE name frequencies:
// Maria, José and Silva dominate, which is what makes name-only matching
// unsafe and is the point of having them here.

type wname struct {
	name string
	w    float64
}

var femaleFirst = []wname{
	{"Maria", 60}, {"Ana", 22}, {"Francisca", 6}, {"Antônia", 4}, {"Adriana", 4}, {"Juliana", 5},
	{"Márcia", 3}, {"Fernanda", 5}, {"Patrícia", 4}, {"Aline", 4}, {"Sandra", 3}, {"Camila", 5},
	{"Amanda", 4}, {"Bruna", 4}, {"Jéssica", 4}, {"Letícia", 4}, {"Júlia", 5}, {"Luciana", 3},
	{"Vanessa", 3}, {"Mariana", 5}, {"Gabriela", 4}, {"Beatriz", 4}, {"Larissa", 3}, {"Débora", 2},
	{"Cláudia", 3}, {"Rafaela", 2}, {"Carolina", 3}, {"Natália", 3}, {"Renata", 3}, {"Simone", 2},
	{"Raquel", 2}, {"Tatiane", 2}, {"Priscila", 2}, {"Isabela", 2}, {"Lúcia", 2}, {"Helena", 2},
	{"Valentina", 1}, {"Sofia", 1}, {"Alice", 2}, {"Laura", 2}, {"Manuela", 1}, {"Giovanna", 2},
	{"Luana", 2}, {"Vitória", 2}, {"Yasmin", 2}, {"Cristiane", 2}, {"Daniela", 3}, {"Eliane", 2},
	{"Rosângela", 2}, {"Sônia", 2}, {"Vera", 1}, {"Thaís", 2}, {"Kelly", 1}, {"Michele", 2},
	{"Elaine", 2}, {"Rita", 1}, {"Joana", 1}, {"Tereza", 1}, {"Lívia", 1}, {"Heloísa", 1},
}

var maleFirst = []wname{
	{"José", 40}, {"João", 20}, {"Antônio", 12}, {"Francisco", 10}, {"Carlos", 10}, {"Paulo", 9},
	{"Pedro", 8}, {"Lucas", 8}, {"Luiz", 7}, {"Marcos", 7}, {"Luís", 4}, {"Gabriel", 6},
	{"Rafael", 6}, {"Daniel", 5}, {"Marcelo", 5}, {"Bruno", 5}, {"Eduardo", 4}, {"Felipe", 4},
	{"Raimundo", 3}, {"Rodrigo", 4}, {"Manoel", 3}, {"Mateus", 3}, {"André", 4}, {"Fernando", 4},
	{"Fábio", 3}, {"Leonardo", 3}, {"Gustavo", 3}, {"Guilherme", 3}, {"Leandro", 2}, {"Tiago", 2},
	{"Anderson", 2}, {"Ricardo", 3}, {"Márcio", 2}, {"Jorge", 2}, {"Sebastião", 2}, {"Alexandre", 3},
	{"Roberto", 3}, {"Edson", 2}, {"Diego", 2}, {"Vitor", 2}, {"Sérgio", 2}, {"Cláudio", 2},
	{"Matheus", 2}, {"Thiago", 2}, {"Geraldo", 2}, {"Adriano", 2}, {"Luciano", 2}, {"Júlio", 1},
	{"Renato", 2}, {"Arthur", 2}, {"Heitor", 1}, {"Davi", 1}, {"Bernardo", 1}, {"Samuel", 1},
	{"Enzo", 1}, {"Miguel", 2}, {"Benedito", 1}, {"Otávio", 1}, {"Caio", 1}, {"Vinícius", 2},
	{"Murilo", 1}, {"Igor", 1}, {"Cauã", 1}, {"Rogério", 1}, {"Wellington", 1}, {"Wesley", 1},
	{"Joaquim", 1}, {"Everton", 1}, {"Nícolas", 1},
}

var femaleMiddle = []string{"Aparecida", "de Fátima", "Eduarda", "Clara", "Luíza", "Paula", "Cristina",
	"Helena", "Júlia", "Vitória", "Carolina", "Fernanda", "Gabriela", "José", "das Graças", "Beatriz"}

var maleMiddle = []string{"Carlos", "Henrique", "Eduardo", "Paulo", "Pedro", "Antônio", "Augusto",
	"Vitor", "Gabriel", "Miguel", "Lucas", "Luiz", "Roberto", "Francisco", "Felipe", "Ricardo"}

var surnames = []wname{
	{"Silva", 60}, {"Santos", 40}, {"Oliveira", 30}, {"Souza", 28}, {"Rodrigues", 18}, {"Ferreira", 18},
	{"Alves", 17}, {"Pereira", 17}, {"Lima", 16}, {"Gomes", 15}, {"Costa", 14}, {"Ribeiro", 14},
	{"Martins", 13}, {"Carvalho", 12}, {"Almeida", 11}, {"Lopes", 10}, {"Soares", 10}, {"Fernandes", 10},
	{"Vieira", 9}, {"Barbosa", 9}, {"Rocha", 9}, {"Dias", 9}, {"Nascimento", 8}, {"Andrade", 8},
	{"Moreira", 8}, {"Nunes", 8}, {"Marques", 7}, {"Machado", 7}, {"Mendes", 7}, {"Freitas", 7},
	{"Cardoso", 6}, {"Ramos", 6}, {"Gonçalves", 6}, {"Santana", 6}, {"Teixeira", 6}, {"Araújo", 6},
	{"Pinto", 5}, {"Correia", 5}, {"Cavalcanti", 4}, {"Monteiro", 4}, {"Moura", 4}, {"Batista", 4},
	{"Campos", 4}, {"Castro", 4}, {"Azevedo", 3}, {"Borges", 3}, {"Reis", 4}, {"Farias", 3},
	{"Cunha", 3}, {"Brito", 3}, {"Xavier", 2}, {"Aragão", 2}, {"Magalhães", 2}, {"Sampaio", 2},
	{"Figueiredo", 2}, {"Siqueira", 2}, {"Conceição", 4}, {"Jesus", 5}, {"Assunção", 1}, {"Guimarães", 2},
	{"Queiroz", 2}, {"Peixoto", 2}, {"Fonseca", 2}, {"Bezerra", 3}, {"Tavares", 2}, {"Medeiros", 2},
	{"Miranda", 2}, {"Coelho", 2}, {"Nogueira", 2}, {"Pires", 2}, {"Viana", 2}, {"Bastos", 1},
	{"Leite", 2}, {"Prado", 1}, {"Sales", 1}, {"Melo", 3}, {"Barros", 3}, {"Duarte", 2},
	{"Amaral", 1}, {"Lacerda", 1}, {"Matos", 2}, {"Vasconcelos", 1}, {"Falcão", 1}, {"Rezende", 1},
	{"Braga", 1}, {"Paiva", 1}, {"Franco", 1}, {"Macedo", 1}, {"Moraes", 2}, {"Cruz", 2},
	{"Barreto", 1}, {"Toledo", 1}, {"Rangel", 1}, {"Sá", 1}, {"Porto", 1}, {"Brandão", 1},
	{"Yamamoto", 0.5}, {"Tanaka", 0.5}, {"Nakamura", 0.5}, {"Suzuki", 0.5}, {"Rossi", 0.7},
	{"Ferrari", 0.5}, {"Romano", 0.5}, {"Bianchi", 0.4}, {"Colombo", 0.4}, {"Müller", 0.5},
	{"Schmidt", 0.5}, {"Becker", 0.4}, {"Weber", 0.4}, {"Haddad", 0.4}, {"Khoury", 0.3}, {"Abreu", 1},
}

// particles says which connective a surname takes when one is used
// ("Maria da Silva", "José dos Santos", "Ana de Souza").
var particles = map[string]string{
	"Silva": "da", "Costa": "da", "Cruz": "da", "Rocha": "da", "Conceição": "da", "Cunha": "da",
	"Santos": "dos", "Reis": "dos", "Anjos": "dos",
	"Souza": "de", "Oliveira": "de", "Almeida": "de", "Jesus": "de", "Andrade": "de", "Freitas": "de",
	"Lima": "de", "Carvalho": "de", "Moraes": "de", "Sá": "de", "Castro": "de", "Melo": "de",
	"Assunção": "da", "Paiva": "de", "Barros": "de", "Araújo": "de", "Moura": "de", "Abreu": "de",
}

// commonFullNames are shared by many unrelated buyers on purpose.
var commonFullNames = []string{
	"Maria da Silva", "José da Silva", "Maria dos Santos", "José dos Santos", "Ana Paula da Silva",
	"João da Silva", "Antônio Carlos da Silva", "Maria José da Silva", "Francisco das Chagas Silva",
	"Maria de Fátima Oliveira", "Ana Maria de Souza", "Carlos Alberto Pereira",
}

var companyForms = []string{
	"%s Comércio de Roupas LTDA", "%s & Filhos Ltda", "Papelaria %s EIRELI", "%s Distribuidora S.A.",
	"Mercearia %s ME", "%s Materiais de Construção Ltda", "Loja %s LTDA", "%s Utilidades Domésticas ME",
	"Ateliê %s Ltda", "%s Presentes e Decorações LTDA", "Farmácia %s Ltda", "Auto Peças %s ME",
}

var streets = []string{
	"Rua das Flores", "Rua São João", "Avenida Brasil", "Rua Sete de Setembro", "Rua XV de Novembro",
	"Avenida Paulista", "Rua Tiradentes", "Rua Santos Dumont", "Rua Dom Pedro II", "Rua Barão do Rio Branco",
	"Avenida Getúlio Vargas", "Rua Marechal Deodoro", "Rua Rui Barbosa", "Rua Castro Alves",
	"Rua José Bonifácio", "Avenida Presidente Vargas", "Rua Duque de Caxias", "Rua Floriano Peixoto",
	"Rua Bento Gonçalves", "Rua Primeiro de Maio", "Rua das Palmeiras", "Rua dos Ipês", "Rua das Acácias",
	"Travessa Santa Luzia", "Alameda dos Anjos", "Avenida Ipiranga", "Rua Amazonas", "Rua Bahia",
	"Rua Pernambuco", "Rua Goiás", "Rua Paraná", "Rua Minas Gerais", "Rua Santa Catarina",
	"Avenida Independência", "Rua da Paz", "Rua Boa Vista", "Rua Dona Maria", "Rua Padre Anchieta",
	"Rua Osvaldo Cruz", "Rua Carlos Gomes", "Rua Machado de Assis", "Rua Monteiro Lobato",
	"Rua Cecília Meireles", "Avenida Beira Mar", "Rua Professor João Cândido", "Estrada do Campo Limpo",
	"Rua Coronel Fernandes", "Avenida das Américas", "Rua Itapeva", "Rua Jequitibá", "Rua Guarani",
	"Rua Tupinambás", "Rua Aimorés", "Avenida Afonso Pena", "Rua Voluntários da Pátria", "Rua da Consolação",
	"Rua Augusta", "Avenida Sete de Abril", "Rua Visconde de Mauá", "Rua Halfeld",
}

var streetPatterns = []string{"Rua %s", "Rua %s", "Avenida %s", "Travessa %s", "Rua Doutor %s", "Rua Professora %s"}

var neighborhoods = []string{
	"Centro", "Jardim América", "Vila Nova", "Boa Vista", "Santa Cruz", "São José", "Jardim das Flores",
	"Vila Maria", "Planalto", "Industrial", "Cidade Nova", "Jardim Paulista", "Bela Vista", "Liberdade",
	"Santo Antônio", "Parque São Jorge", "Jardim Europa", "Vila Mariana", "Nossa Senhora Aparecida",
	"Jardim Primavera", "Vila Esperança", "Alto da Glória", "Conjunto Habitacional", "Recreio",
	"Parque Industrial", "Jardim Bela Vista", "Cidade Jardim", "Vila Operária", "São Cristóvão", "Ipiranga",
}

var complements = []string{"Apto %d", "Apto %d", "Casa %d", "Bloco B Apto %d", "Fundos", "Sala %d", "Casa %d"}

var freeMailDomains = []wname{
	{"gmail.com", 55}, {"hotmail.com", 15}, {"outlook.com", 7}, {"yahoo.com.br", 7}, {"uol.com.br", 4},
	{"bol.com.br", 4}, {"icloud.com", 3}, {"terra.com.br", 2}, {"live.com", 2}, {"globo.com", 1},
}
