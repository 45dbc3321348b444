package testgen

// state is a federative unit with the name the ML and Shopee exports write
// and its share of online buyers (roughly its population share).
type state struct {
	uf, name string
	w        float64
}

var states = []state{
	{"SP", "São Paulo", 22}, {"MG", "Minas Gerais", 10}, {"RJ", "Rio de Janeiro", 8.2}, {"BA", "Bahia", 6.9},
	{"PR", "Paraná", 5.6}, {"RS", "Rio Grande do Sul", 5.3}, {"PE", "Pernambuco", 4.5}, {"CE", "Ceará", 4.3},
	{"PA", "Pará", 4}, {"SC", "Santa Catarina", 3.7}, {"GO", "Goiás", 3.5}, {"MA", "Maranhão", 3.3},
	{"AM", "Amazonas", 1.9}, {"ES", "Espírito Santo", 1.9}, {"PB", "Paraíba", 1.9}, {"RN", "Rio Grande do Norte", 1.6},
	{"MT", "Mato Grosso", 1.8}, {"AL", "Alagoas", 1.5}, {"PI", "Piauí", 1.5}, {"DF", "Distrito Federal", 1.4},
	{"MS", "Mato Grosso do Sul", 1.4}, {"SE", "Sergipe", 1.1}, {"RO", "Rondônia", 0.8}, {"TO", "Tocantins", 0.7},
	{"AC", "Acre", 0.4}, {"AP", "Amapá", 0.4}, {"RR", "Roraima", 0.3},
}

// city has the 5-digit CEP prefix range its addresses draw from and its DDD,
// so a buyer's CEP, city, UF and phone area agree the way real ones do.
type city struct {
	uf, name string
	cepLo    int // first 5-digit CEP prefix
	cepHi    int // last 5-digit CEP prefix
	ddd      int
	w        float64
}

var cities = []city{
	{"SP", "São Paulo", 1000, 5899, 11, 50}, {"SP", "Guarulhos", 7000, 7399, 11, 6}, {"SP", "Campinas", 13000, 13139, 19, 6},
	{"SP", "Santos", 11000, 11099, 13, 3}, {"SP", "São José dos Campos", 12200, 12248, 12, 3}, {"SP", "Ribeirão Preto", 14000, 14114, 16, 3},
	{"SP", "Sorocaba", 18000, 18109, 15, 3}, {"SP", "Osasco", 6000, 6299, 11, 3}, {"SP", "Santo André", 9000, 9299, 11, 3},
	{"SP", "São José do Rio Preto", 15000, 15099, 17, 2}, {"SP", "Bauru", 17000, 17109, 14, 2}, {"SP", "Jundiaí", 13200, 13219, 11, 2},
	{"RJ", "Rio de Janeiro", 20000, 23799, 21, 55}, {"RJ", "Niterói", 24000, 24399, 21, 8}, {"RJ", "Duque de Caxias", 25000, 25299, 21, 8},
	{"RJ", "Nova Iguaçu", 26000, 26099, 21, 7}, {"RJ", "Petrópolis", 25600, 25779, 24, 4}, {"RJ", "Campos dos Goytacazes", 28000, 28099, 22, 4},
	{"MG", "Belo Horizonte", 30000, 31999, 31, 30}, {"MG", "Uberlândia", 38400, 38414, 34, 8}, {"MG", "Contagem", 32000, 32399, 31, 7},
	{"MG", "Juiz de Fora", 36000, 36099, 32, 6}, {"MG", "Montes Claros", 39400, 39409, 38, 4}, {"MG", "Betim", 32600, 32699, 31, 4},
	{"MG", "Governador Valadares", 35000, 35099, 33, 3}, {"MG", "Poços de Caldas", 37700, 37719, 35, 2}, {"MG", "Divinópolis", 35500, 35509, 37, 2},
	{"ES", "Vitória", 29000, 29099, 27, 4}, {"ES", "Vila Velha", 29100, 29129, 27, 4}, {"ES", "Serra", 29160, 29179, 27, 4}, {"ES", "Cachoeiro de Itapemirim", 29300, 29319, 28, 2},
	{"PR", "Curitiba", 80000, 82999, 41, 20}, {"PR", "Londrina", 86000, 86099, 43, 6}, {"PR", "Maringá", 87000, 87099, 44, 5},
	{"PR", "Ponta Grossa", 84000, 84099, 42, 4}, {"PR", "Cascavel", 85800, 85824, 45, 3}, {"PR", "Guarapuava", 85000, 85099, 42, 2}, {"PR", "Foz do Iguaçu", 85850, 85869, 45, 3},
	{"SC", "Florianópolis", 88000, 88099, 48, 5}, {"SC", "Joinville", 89200, 89239, 47, 6}, {"SC", "Blumenau", 89000, 89099, 47, 4}, {"SC", "Chapecó", 89800, 89816, 49, 2},
	{"RS", "Porto Alegre", 90000, 91999, 51, 14}, {"RS", "Caxias do Sul", 95000, 95099, 54, 5}, {"RS", "Pelotas", 96000, 96099, 53, 4},
	{"RS", "Canoas", 92000, 92499, 51, 4}, {"RS", "Santa Maria", 97000, 97119, 55, 3},
	{"BA", "Salvador", 40000, 42599, 71, 25}, {"BA", "Feira de Santana", 44000, 44099, 75, 6}, {"BA", "Vitória da Conquista", 45000, 45099, 77, 4},
	{"BA", "Ilhéus", 45650, 45659, 73, 2},
	{"PE", "Recife", 50000, 52999, 81, 16}, {"PE", "Jaboatão dos Guararapes", 54000, 54499, 81, 6}, {"PE", "Olinda", 53000, 53299, 81, 4},
	{"PE", "Caruaru", 55000, 55099, 81, 3}, {"PE", "Petrolina", 56300, 56339, 87, 3},
	{"CE", "Fortaleza", 60000, 61599, 85, 25}, {"CE", "Caucaia", 61600, 61699, 85, 4}, {"CE", "Juazeiro do Norte", 63000, 63099, 88, 3}, {"CE", "Sobral", 62000, 62099, 88, 2},
	{"PA", "Belém", 66000, 66999, 91, 12}, {"PA", "Ananindeua", 67000, 67199, 91, 5}, {"PA", "Santarém", 68000, 68109, 93, 3}, {"PA", "Marabá", 68500, 68509, 94, 2},
	{"MA", "São Luís", 65000, 65109, 98, 10}, {"MA", "Imperatriz", 65900, 65919, 99, 3},
	{"GO", "Goiânia", 74000, 74899, 62, 15}, {"GO", "Aparecida de Goiânia", 74900, 74999, 62, 5}, {"GO", "Anápolis", 75000, 75159, 62, 4}, {"GO", "Rio Verde", 75900, 75909, 64, 2},
	{"AM", "Manaus", 69000, 69099, 92, 20}, {"AM", "Parintins", 69150, 69159, 92, 1},
	{"PB", "João Pessoa", 58000, 58099, 83, 8}, {"PB", "Campina Grande", 58400, 58449, 83, 4},
	{"RN", "Natal", 59000, 59159, 84, 8}, {"RN", "Mossoró", 59600, 59649, 84, 3},
	{"MT", "Cuiabá", 78000, 78099, 65, 6}, {"MT", "Várzea Grande", 78110, 78159, 65, 3}, {"MT", "Rondonópolis", 78700, 78749, 66, 2},
	{"AL", "Maceió", 57000, 57099, 82, 9}, {"AL", "Arapiraca", 57300, 57319, 82, 2},
	{"PI", "Teresina", 64000, 64099, 86, 9}, {"PI", "Parnaíba", 64200, 64219, 86, 2},
	{"DF", "Brasília", 70000, 72799, 61, 10}, {"DF", "Taguatinga", 72000, 72199, 61, 3},
	{"MS", "Campo Grande", 79000, 79129, 67, 7}, {"MS", "Dourados", 79800, 79849, 67, 2},
	{"SE", "Aracaju", 49000, 49099, 79, 6}, {"SE", "Nossa Senhora do Socorro", 49160, 49169, 79, 1},
	{"RO", "Porto Velho", 76800, 76834, 69, 4}, {"RO", "Ji-Paraná", 76900, 76914, 69, 1},
	{"TO", "Palmas", 77000, 77270, 63, 3}, {"TO", "Araguaína", 77800, 77829, 63, 1},
	{"AC", "Rio Branco", 69900, 69923, 68, 3},
	{"AP", "Macapá", 68900, 68911, 96, 3},
	{"RR", "Boa Vista", 69300, 69339, 95, 3},
}

var stateByUF = func() map[string]*state {
	m := make(map[string]*state, len(states))
	for i := range states {
		m[states[i].uf] = &states[i]
	}
	return m
}()

// citiesByUF indexes cities per state, in table order.
var citiesByUF = func() map[string][]int {
	m := map[string][]int{}
	for i, c := range cities {
		m[c.uf] = append(m[c.uf], i)
	}
	return m
}()

var ptMonths = [...]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
	"agosto", "setembro", "outubro", "novembro", "dezembro"}
