package mercadolivre

import (
	"regexp"
	"strconv"

	"github.com/orderhist/orderhist/normalize"
)

// The report's "Estado" is free text that embeds dates ("Para enviar no dia
// 17 de março", "Devolvido no dia 28 de fevereiro"), so statuses are matched
// by prefix or substring, most specific first: a return or a cancellation
// outranks the shipping step it happened at.
var statusRules = []normalize.StatusRule{
	// "Cancelada pelo comprador", "Pacote cancelado pelo Mercado Livre",
	// "Venda cancelada. Não envie.", "Você cancelou a venda".
	{Match: normalize.Contains("ancelad", "cancelou"), Status: normalize.StatusCancelled},
	// "Devolução a caminho", "Devolvido no dia …", "Em devolução",
	// "Mediação com devolução habilitada", "… com reembolso para o
	// comprador", "Reembolsamos o valor ao comprador", "Liberamos o valor do
	// produto que devolveram para você".
	{Match: normalize.Contains("devolu", "devolv", "reembols"), Status: normalize.StatusReturned},
	// "Mediação finalizada. Te demos o dinheiro.": the dispute went the
	// seller's way and the sale stands.
	{Match: normalize.Prefix("Entregue", "Venda concretizada", "Mediação finalizada. Te demos o dinheiro"), Status: normalize.StatusDelivered},
	{Match: normalize.Prefix("A caminho", "No ponto de retirada", "Enviado"), Status: normalize.StatusShipped},
	{Match: normalize.Prefix("Pronta para emitir NF-e", "Etiqueta pronta", "Para enviar", "Aguardando disponibilidade",
		"Envio reagendado", "Preparando", "Pronto para enviar"), Status: normalize.StatusPaid},
	{Match: normalize.Prefix("Aguardando pagamento", "Pagamento pendente", "Pagamento em análise"), Status: normalize.StatusPending},
}

func status(raw string) normalize.Status { return normalize.StatusFromRules(raw, statusRules) }

// cartRe matches a cart summary's "Estado". "Pacote cancelado pelo Mercado
// Livre" is the status of an ordinary row, not a summary.
var cartRe = regexp.MustCompile(`^(?i)pacote de (\d{1,3}) produtos?$`)

// cartSize returns how many order rows follow a cart summary, or false
// when the row is not a summary.
func cartSize(status string) (int, bool) {
	m := cartRe.FindStringSubmatch(status)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}
