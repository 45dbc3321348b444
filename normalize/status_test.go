package normalize

import "testing"

// mlRules is the shape of the Mercado Livre connector's rules: free text with
// embedded dates, most specific first.
var mlRules = []StatusRule{
	{Match: Prefix("Pacote de"), Status: StatusUnknown}, // cart summary, not a status
	{Match: Contains("ancelad", "cancelou"), Status: StatusCancelled},
	{Match: Prefix("Devolução", "Devolvido", "Em devolução"), Status: StatusReturned},
	{Match: Equals("Entregue", "Venda concretizada"), Status: StatusDelivered},
	{Match: Prefix("A caminho", "No ponto de retirada"), Status: StatusShipped},
	{Match: Prefix("Para enviar", "Etiqueta pronta", "Pronta para emitir"), Status: StatusPaid},
}

var shopeeRules = []StatusRule{
	{Match: Equals("Concluído"), Status: StatusDelivered},
	{Match: Equals("Cancelado"), Status: StatusCancelled},
	{Match: Equals("A Enviar", "Order Received"), Status: StatusPaid},
	{Match: Prefix("O comprador pode pedir uma devolução"), Status: StatusDelivered},
}

func TestStatusFromRules(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		rules []StatusRule
		want  Status
	}{
		{"Entregue", mlRules, StatusDelivered},
		{" ENTREGUE ", mlRules, StatusDelivered},
		{"Cancelada pelo comprador", mlRules, StatusCancelled},
		{"Pacote cancelado pelo Mercado Livre", mlRules, StatusCancelled},
		{"Pacote de 2 produtos cancelado", mlRules, StatusUnknown}, // the first matching rule wins
		{"Venda cancelada. Não envie.", mlRules, StatusCancelled},
		{"Você cancelou a venda", mlRules, StatusCancelled},
		{"Devolução a caminho", mlRules, StatusReturned},
		{"Devolucao a caminho", mlRules, StatusReturned},
		{"DEVOLUÇÃO\u00a0A CAMINHO", mlRules, StatusReturned},
		{"Devolvido no dia 28 de fevereiro", mlRules, StatusReturned},
		{"Para enviar no dia 17 de março", mlRules, StatusPaid},
		{"Pronta para emitir NF-e de venda", mlRules, StatusPaid},
		{"A caminho", mlRules, StatusShipped},
		{"Pacote de 2 produtos", mlRules, StatusUnknown},
		{"Mediação finalizada. Te demos o dinheiro.", mlRules, StatusUnknown},
		{"", mlRules, StatusUnknown},
		{" ", mlRules, StatusUnknown},
		{"Entregue", nil, StatusUnknown},
		{"Concluído", shopeeRules, StatusDelivered},
		{"Concluido", shopeeRules, StatusDelivered},
		{"Order Received", shopeeRules, StatusPaid},
		{"O comprador pode pedir uma devolução até 2026-03-11", shopeeRules, StatusDelivered},
		{"partially_paid", []StatusRule{{Match: Equals("partially_paid"), Status: StatusPaid}}, StatusPaid},
		{"Partially_Paid", []StatusRule{{Match: Equals("partially_paid"), Status: StatusPaid}}, StatusPaid},
		{"x", []StatusRule{{Match: nil, Status: StatusPaid}}, StatusUnknown},
	} {
		if got := StatusFromRules(tc.raw, tc.rules); got != tc.want {
			t.Errorf("StatusFromRules(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestStatusValid(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []Status{"", "Paid", "canceled", "refunded"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}
