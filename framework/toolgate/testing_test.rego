package toolgate.testing_test

_config := {
	"version": 1,
	"tools": {
		"refund_order": {"effect": "allow", "constraints": {"max_amount": 500, "amount_field": "amount"}},
		"get_customer": {"effect": "allow"},
	},
	"assistants": {
		"asst_small": {"tools": {"refund_order": {"constraints": {"max_amount": 100}}}},
		"asst_free": {"tools": {"refund_order": {"constraints": {"max_amount": null}}}},
	},
}

test_input_for_resolves_tool_constraints if {
	doc := data.toolgate.testing.input_for("asst_x", "refund_order", {"amount": 1}) with data.toolgate.config as _config
	doc.constraints == {"max_amount": 500, "amount_field": "amount"}
	doc.arguments == {"amount": 1}
	doc.tool == {"name": "refund_order", "type": "function"}
	doc.assistant_id == "asst_x"
}

test_input_for_overlays_assistant_constraints if {
	small := data.toolgate.testing.constraints_for("asst_small", "refund_order") with data.toolgate.config as _config
	small == {"max_amount": 100, "amount_field": "amount"}
	free := data.toolgate.testing.constraints_for("asst_free", "refund_order") with data.toolgate.config as _config
	free == {"amount_field": "amount"}
	none := data.toolgate.testing.constraints_for("asst_x", "get_customer") with data.toolgate.config as _config
	none == {}
	unknown := data.toolgate.testing.constraints_for("asst_x", "no_such_tool") with data.toolgate.config as _config
	unknown == {}
}

test_decision_on_input_for_sees_constraints if {
	doc := data.toolgate.testing.input_for("asst_small", "refund_order", {"amount": 200}) with data.toolgate.config as _config
	d := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.effect == "deny"
	[r.code | some r in d.reasons] == ["max_amount_exceeded"]
}
