# Custom rules: what toolgate.yaml cannot say. Each rule adds {code, message}
# to deny, require_approval or sanitize (package toolgate.rules).
package toolgate.rules

# Refunds name a real order id (ord_...), so a refund is always traceable.
deny contains {
	"code": "refund_without_order",
	"message": "a refund must name an order id starting with ord_",
} if {
	input.tool.name == "refund_order"
	not _is_order_id(input.arguments.order_id)
}

_is_order_id(id) if {
	is_string(id)
	startswith(id, "ord_")
}
