# Rego unit tests (`npx policy test`). input_for builds the input the gate
# would for a call: constraints come from toolgate.yaml.
package toolgate.rules_test

test_small_refund_allowed if {
	d := data.toolgate.decision with input as data.toolgate.testing.input_for("support", "refund_order", {"order_id": "ord_1", "amount": 40})
	d.effect == "allow"
}

test_large_refund_denied if {
	d := data.toolgate.decision with input as data.toolgate.testing.input_for("support", "refund_order", {"order_id": "ord_1", "amount": 500})
	d.effect == "deny"
	[r.code | some r in d.reasons] == ["max_amount_exceeded"]
}

test_supervisor_may_refund_more if {
	d := data.toolgate.decision with input as data.toolgate.testing.input_for("supervisor", "refund_order", {"order_id": "ord_1", "amount": 500})
	d.effect == "allow"
}

test_refund_needs_an_order_id if {
	d := data.toolgate.decision with input as data.toolgate.testing.input_for("support", "refund_order", {"order_id": "123", "amount": 5})
	[r.code | some r in d.reasons] == ["refund_without_order"]
}

test_wires_wait_for_finance if {
	d := data.toolgate.decision with input as data.toolgate.testing.input_for("support", "wire_money", {"iban": "DE00", "amount": 5})
	d.effect == "require_approval"
}
