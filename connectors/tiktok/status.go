package tiktok

import "github.com/orderhist/orderhist/normalize"

// The Brazilian seller center writes statuses in Portuguese ("A ser
// enviado", substatus "Aguardando envio"); a seller with the English
// interface gets them in English.
var statusRules = []normalize.StatusRule{
	{Match: normalize.Contains("cancel"), Status: normalize.StatusCancelled},
	{Match: normalize.Contains("devolu", "reembols", "return", "refund"), Status: normalize.StatusReturned},
	{Match: normalize.Prefix("Entregue", "Concluído", "Delivered", "Completed"), Status: normalize.StatusDelivered},
	{Match: normalize.Prefix("Enviado", "Em trânsito", "Em transito", "A caminho", "Shipped", "In transit"), Status: normalize.StatusShipped},
	{Match: normalize.Prefix("A ser enviado", "A enviar", "Aguardando envio", "Aguardando coleta", "To ship",
		"Awaiting shipment", "Awaiting collection"), Status: normalize.StatusPaid},
	{Match: normalize.Prefix("Não pago", "Aguardando pagamento", "Unpaid", "Awaiting payment", "On hold"), Status: normalize.StatusPending},
}

// "Cancelation/Return Type" says an order is being cancelled or returned
// before "Order Status" does.
var typeRules = []normalize.StatusRule{
	{Match: normalize.Contains("return", "refund", "devolu", "reembols"), Status: normalize.StatusReturned},
	{Match: normalize.Contains("cancel"), Status: normalize.StatusCancelled},
}

func status(raw, cancelReturnType string) normalize.Status {
	if s := normalize.StatusFromRules(cancelReturnType, typeRules); s != normalize.StatusUnknown {
		return s
	}
	return normalize.StatusFromRules(raw, statusRules)
}
