package toolgate.rules_test

_ticket(summary) := {
	"version": 1,
	"assistant_id": "asst_abc123",
	"tool": {"name": "create_ticket", "type": "function"},
	"arguments": {"customer_id": "c-1", "summary": summary},
	"constraints": {},
	"context": {},
}

_deny_codes(input_doc) := codes if {
	codes := {r.code | some r in data.toolgate.rules.deny} with input as input_doc
}

test_card_number_denied if {
	"card_number_in_ticket" in _deny_codes(_ticket("customer read me 4111 1111 1111 1111 over the phone"))
}

test_card_number_with_dashes_denied if {
	"card_number_in_ticket" in _deny_codes(_ticket("card 5500-0000-0000-0004 declined"))
}

test_card_number_without_separators_denied if {
	"card_number_in_ticket" in _deny_codes(_ticket("4012888888881881"))
}

test_long_number_failing_luhn_allowed if {
	count(_deny_codes(_ticket("order 4111111111111112 arrived late"))) == 0
}

test_short_numbers_allowed if {
	count(_deny_codes(_ticket("order o-1 for customer 555 123 4567"))) == 0
}

test_other_tools_not_checked if {
	doc := object.union(_ticket("4111 1111 1111 1111"), {"tool": {"name": "post_message", "type": "function"}})
	count(_deny_codes(doc)) == 0
}

# The custom deny wins over the config's allow for create_ticket.
test_custom_deny_overrides_config_allow if {
	d := data.toolgate.decision with input as _ticket("card 4111 1111 1111 1111")
		with data.toolgate.config as {"version": 1, "tools": {"create_ticket": {"effect": "allow"}}}
	d.effect == "deny"
	[r.code | some r in d.reasons] == ["card_number_in_ticket"]
}

test_clean_ticket_allowed if {
	d := data.toolgate.decision with input as _ticket("customer asks about order o-1")
		with data.toolgate.config as {"version": 1, "tools": {"create_ticket": {"effect": "allow"}}}
	d.effect == "allow"
}
