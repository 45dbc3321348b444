package shopee

import "github.com/orderhist/orderhist/normalize"

// "Status do pedido" is pt-BR with a few untranslated values ("Order
// Received") and one that embeds a date ("O comprador pode pedir uma
// devolução até 2026-03-11": delivered, inside the return window).
var statusRules = []normalize.StatusRule{
	{Match: normalize.Contains("cancel"), Status: normalize.StatusCancelled},
	{Match: normalize.Prefix("O comprador pode pedir uma devolução"), Status: normalize.StatusDelivered},
	{Match: normalize.Contains("devolu", "reembols", "return", "refund"), Status: normalize.StatusReturned},
	{Match: normalize.Prefix("Concluído", "Entregue", "Order Received", "Completed", "Delivered"), Status: normalize.StatusDelivered},
	{Match: normalize.Prefix("Enviado", "A caminho", "Em trânsito", "Shipped", "To Receive"), Status: normalize.StatusShipped},
	{Match: normalize.Prefix("A Enviar", "Processado", "Aguardando envio", "To Ship", "Ready to ship"), Status: normalize.StatusPaid},
	{Match: normalize.Prefix("Não pago", "Aguardando pagamento", "A pagar", "Unpaid"), Status: normalize.StatusPending},
}

// returnRules read "Status da Devolução / Reembolso", which Shopee writes
// per line: a request approved, in progress or done is a return; a refused
// or withdrawn one is not.
var returnRules = []normalize.StatusRule{
	{Match: normalize.Contains("rejeitad", "recusad", "cancelad", "retirad", "negad"), Status: normalize.StatusUnknown},
	{Match: normalize.Contains("aprovad", "andamento", "conclu", "reembolsad", "devolvid"), Status: normalize.StatusReturned},
}

func status(raw string) normalize.Status { return normalize.StatusFromRules(raw, statusRules) }

// returned reports whether a line's return status means the line came back.
func returned(raw string) bool {
	return normalize.StatusFromRules(raw, returnRules) == normalize.StatusReturned
}
