package toolgate_test

_config := {
	"version": 1,
	"tools": {
		"get_customer": {"effect": "allow"},
		"refund_order": {"effect": "allow", "constraints": {"max_amount": 500}},
		"delete_customer": {"effect": "deny", "reason": "Deleting customers is never done by an assistant."},
		"modify_pricing": {"effect": "deny"},
		"send_email_blast": {"effect": "allow", "approval": {"timeout_seconds": 3600}},
		"post_message": {"effect": "allow"},
	},
	"assistants": {
		"asst_admin": {"tools": {
			"modify_pricing": {"effect": "allow"},
			"send_email_blast": {"approval": {"timeout_seconds": 60, "approvers": ["ops"]}},
		}},
		"asst_readonly": {"tools": {"refund_order": {"effect": "deny", "reason": "Read-only assistant."}}},
	},
}

_input(assistant, tool, args, constraints) := {
	"version": 1,
	"surface": "chat",
	"assistant_id": assistant,
	"call_id": "c",
	"tool": {"name": tool, "type": "function"},
	"arguments": args,
	"constraints": constraints,
	"context": {},
}

# Each test decides with `with` on its own expressions, mocking the config and
# any custom rule outputs (package toolgate.rules) so these tests do not depend
# on the user's policy. A helper function doing this would read better, but
# opa's WASM compiler rejects a function that evaluates data.toolgate.decision
# under `with` ("function ... used as reference, not called"), and `policy
# test` runs these tests on WASM.

_codes(d) := [r.code | some r in d.reasons]

# Base effect

test_configured_allow if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {"customer_id": "c-1"}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d == {
		"effect": "allow",
		"reasons": [],
	}
}

test_unknown_tool_denied_by_default if {
	d := data.toolgate.decision with input as _input("asst_x", "drop_database", {}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d == {
		"effect": "deny",
		"reasons": [{"code": "tool_not_allowed", "message": "tool drop_database is not allowed for assistant asst_x"}],
	}
}

test_no_config_denies_everything if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {}, {})
		with data.toolgate.config as {"version": 1}
		with data.toolgate.rules as {}
	_codes(d) == ["tool_not_allowed"]
}

test_config_deny_uses_reason_text if {
	d := data.toolgate.decision with input as _input("asst_x", "delete_customer", {"customer_id": "c-1"}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.reasons == [{
		"code": "tool_denied",
		"message": "Deleting customers is never done by an assistant.",
	}]
}

test_config_deny_default_message if {
	d := data.toolgate.decision with input as _input("asst_x", "modify_pricing", {}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.reasons == [{
		"code": "tool_denied",
		"message": "tool modify_pricing is denied by policy",
	}]
}

test_assistant_effect_overrides_tool_effect if {
	dec_1 := data.toolgate.decision with input as _input("asst_admin", "modify_pricing", {"sku": "A", "price": 1}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	dec_1.effect == "allow"
	dec_2 := data.toolgate.decision with input as _input("asst_readonly", "refund_order", {"amount": 1}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	dec_2.reasons == [{
		"code": "tool_denied",
		"message": "Read-only assistant.",
	}]
}

test_unknown_effect_not_allowed if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {}, {})
		with data.toolgate.config as {"version": 1, "tools": {"get_customer": {"effect": "maybe"}}}
		with data.toolgate.rules as {}
	_codes(d) == ["tool_not_allowed"]
}

# Constraints come from input.constraints only: the gate has already merged them.
test_constraints_read_from_input_only if {
	dec_1 := data.toolgate.decision with input as _input("asst_x", "refund_order", {"amount": 900}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	dec_1.effect == "allow"
	dec_2 := data.toolgate.decision with input as _input("asst_x", "refund_order", {"amount": 90}, {"max_amount": 50})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	_codes(dec_2) == ["max_amount_exceeded"]
}

test_malformed_input_denied if {
	d := data.toolgate.decision with input as {"tool": {"name": "get_customer", "type": "function"}}
		with data.toolgate.config as _config
	_codes(d) == ["invalid_input"]
}

# Only "function" reads the tools section: a call of any other type (or none) is not a function call.
test_unknown_tool_type_not_allowed if {
	dec_1 := data.toolgate.decision with input as object.union(object.remove(_input("asst_x", "get_customer", {}, {}), ["tool"]), {"tool": {"name": "get_customer"}})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	_codes(dec_1) == ["tool_not_allowed"]
	dec_2 := data.toolgate.decision with input as object.union(object.remove(_input("asst_x", "get_customer", {}, {}), ["tool"]), {"tool": {"name": "get_customer", "type": "MCP"}})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	_codes(dec_2) == ["tool_not_allowed"]
}

# Precedence and the decision document

test_deny_beats_approval_and_keeps_only_deny_reasons if {
	d := data.toolgate.decision with input as _input("asst_x", "send_email_blast", {"recipient_count": 500, "amount": -1}, {
		"approval_over": {"recipient_count": 100},
		"max_amount": 10,
	})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.effect == "deny"
	_codes(d) == ["invalid_amount"]
	not d.approval
}

test_deny_reasons_sorted if {
	d := data.toolgate.decision with input as _input("asst_x", "refund_order", {"amount": "x"}, {"max_amount": 10, "allowed_values": {"currency": ["EUR"]}})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	_codes(d) == ["invalid_amount", "value_not_allowed"]
}

test_approval_document if {
	d := data.toolgate.decision with input as _input("asst_x", "send_email_blast", {"recipient_count": 500}, {"approval_over": {"recipient_count": 100}})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d == {
		"effect": "require_approval",
		"reasons": [{"code": "approval_required", "message": "recipient_count 500 exceeds the approval threshold 100"}],
		"arguments": {"recipient_count": 500},
		"approval": {
			"summary": "send_email_blast for assistant asst_x: recipient_count 500 exceeds the approval threshold 100",
			"timeout_seconds": 3600,
		},
	}
}

test_assistant_approval_settings_override if {
	d := data.toolgate.decision with input as _input("asst_admin", "send_email_blast", {"recipient_count": 500}, {"approval_over": {"recipient_count": 100}})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.approval.timeout_seconds == 60
	d.approval.approvers == ["ops"]
}

# Approval beats sanitize, but the approver sees (and the tool gets) the sanitized arguments.
test_approval_beats_sanitize_with_sanitized_arguments if {
	d := data.toolgate.decision with input as _input("asst_x", "send_email_blast", {"recipient_count": 500, "subject": "key sk-abcdefghijklmnopqrstuvwx"}, {
		"approval_over": {"recipient_count": 100},
		"redact_secrets": ["subject"],
	})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.effect == "require_approval"
	_codes(d) == ["approval_required"]
	d.arguments == {"recipient_count": 500, "subject": "key [REDACTED]"}
	d.approval.sanitized_fields == ["subject"]
}

test_sanitize_document if {
	d := data.toolgate.decision with input as _input("asst_x", "post_message", {"channel": "#ops", "text": "sk-abcdefghijklmnopqrstuvwx"}, {"redact_secrets": ["text"]})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d == {
		"effect": "sanitize",
		"reasons": [{"code": "secret_redacted", "message": "secrets in text replaced by [REDACTED]"}],
		"arguments": {"channel": "#ops", "text": "[REDACTED]"},
	}
}

# Arguments that are not an object make the input malformed, whatever else would deny.
test_non_object_arguments_are_invalid_input if {
	every args in [null, false, "x", [1]] {
		d := data.toolgate.decision with input as _input("asst_x", "drop_database", args, {})
			with data.toolgate.config as _config
			with data.toolgate.rules as {}
		_codes(d) == ["invalid_input"]
	}
}

# A deny carries no arguments (the host keeps the model's), not even the redacted ones.
test_deny_carries_no_arguments if {
	d := data.toolgate.decision with input as _input("asst_x", "post_message", {"text": "sk-abcdefghijklmnopqrstuvwx", "amount": -1}, {"redact_secrets": ["text"], "max_amount": 1})
		with data.toolgate.config as _config
		with data.toolgate.rules as {}
	d.effect == "deny"
	not "arguments" in object.keys(d)
}

# Custom rules (package toolgate.rules)

_custom_deny := {{"code": "after_hours", "message": "no refunds after hours"}}

test_custom_deny_beats_config_allow if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"deny": _custom_deny}
	d.effect == "deny"
	d.reasons == [{"code": "after_hours", "message": "no refunds after hours"}]
}

test_custom_deny_cannot_allow_unknown_tool if {
	d := data.toolgate.decision with input as _input("asst_x", "drop_database", {}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"deny": _custom_deny}
	_codes(d) == ["after_hours", "tool_not_allowed"]
}

test_custom_require_approval if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"require_approval": {{"code": "vip_customer", "message": "customer is a VIP", "extra": 1}}}
	d.effect == "require_approval"
	d.reasons == [{"code": "vip_customer", "message": "customer is a VIP"}]
	d.approval == {"summary": "get_customer for assistant asst_x: customer is a VIP"}
}

test_custom_sanitize_replaces_field if {
	d := data.toolgate.decision with input as _input("asst_x", "get_customer", {"customer_id": "c-1", "note": "call 555"}, {})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"sanitize": {{"code": "phone_masked", "message": "phone number masked", "field": "note", "value": "call ***"}}}
	d == {
		"effect": "sanitize",
		"reasons": [{"code": "phone_masked", "message": "phone number masked"}],
		"arguments": {"customer_id": "c-1", "note": "call ***"},
	}
}

test_conflicting_sanitizations_deny if {
	d := data.toolgate.decision with input as _input("asst_x", "post_message", {"text": "sk-abcdefghijklmnopqrstuvwx"}, {"redact_secrets": ["text"]})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"sanitize": {{"code": "shout", "message": "upper-cased", "field": "text", "value": "SK-ABCDEFGHIJKLMNOPQRSTUVWX"}}}
	_codes(d) == ["sanitize_conflict"]
}

test_agreeing_sanitizations_apply if {
	d := data.toolgate.decision with input as _input("asst_x", "post_message", {"text": "sk-abcdefghijklmnopqrstuvwx"}, {"redact_secrets": ["text"]})
		with data.toolgate.config as _config
		with data.toolgate.rules as {"sanitize": {{"code": "also_redacted", "message": "redacted again", "field": "text", "value": "[REDACTED]"}}}
	d.effect == "sanitize"
	_codes(d) == ["also_redacted", "secret_redacted"]
	d.arguments.text == "[REDACTED]"
}

test_malformed_custom_output_denies if {
	doc := _input("asst_x", "get_customer", {}, {})
	d1 := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {"deny": {"forbidden"}}
	_codes(d1) == ["invalid_rule_output"]
	d2 := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {"deny": true}
	_codes(d2) == ["invalid_rule_output"]
	d3 := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {"deny": {{"code": "Bad Code", "message": "m"}}}
	_codes(d3) == ["invalid_rule_output"]
	d4 := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {"require_approval": {{"code": "x"}}}
	_codes(d4) == ["invalid_rule_output"]
	d5 := data.toolgate.decision with input as doc
		with data.toolgate.config as _config
		with data.toolgate.rules as {"sanitize": {{"code": "x", "message": "m", "field": "f"}}}
	_codes(d5) == ["invalid_rule_output"]
}

# effect: require_approval

_approval_config := {
	"version": 1,
	"tools": {
		"wire_money": {"effect": "require_approval", "reason": "Wires are approved by finance.", "approval": {"approvers": ["finance"]}},
		"close_account": {"effect": "require_approval", "constraints": {"max_amount": 10}},
		"get_customer": {"effect": "allow"},
	},
	"assistants": {
		"asst_trusted": {"tools": {"wire_money": {"effect": "allow"}}},
		"asst_cautious": {"tools": {"get_customer": {"effect": "require_approval"}}},
		"asst_locked": {"tools": {"wire_money": {"effect": "deny"}}},
	},
}

test_require_approval_effect_holds_every_call if {
	d := data.toolgate.decision with input as _input("asst_x", "wire_money", {"amount": 1}, {})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	d == {
		"effect": "require_approval",
		"reasons": [{"code": "tool_requires_approval", "message": "Wires are approved by finance."}],
		"arguments": {"amount": 1},
		"approval": {"approvers": ["finance"], "summary": "wire_money for assistant asst_x: Wires are approved by finance."},
	}
}

test_require_approval_default_message if {
	d := data.toolgate.decision with input as _input("asst_x", "close_account", {"amount": 1}, {"max_amount": 10})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	d.reasons == [{"code": "tool_requires_approval", "message": "every call of close_account needs approval"}]
}

# Constraints still apply: a deny among them wins over the approval.
test_require_approval_effect_constraint_deny_wins if {
	d := data.toolgate.decision with input as _input("asst_x", "close_account", {"amount": 11}, {"max_amount": 10})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	d.effect == "deny"
	_codes(d) == ["max_amount_exceeded"]
}

test_require_approval_effect_custom_deny_wins if {
	d := data.toolgate.decision with input as _input("asst_x", "wire_money", {"amount": 1}, {})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {"deny": {{"code": "no_wires", "message": "no"}}}
	_codes(d) == ["no_wires"]
}

test_assistant_override_changes_require_approval_effect if {
	allowed := data.toolgate.decision with input as _input("asst_trusted", "wire_money", {"amount": 1}, {})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	allowed.effect == "allow"
	denied := data.toolgate.decision with input as _input("asst_locked", "wire_money", {"amount": 1}, {})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	_codes(denied) == ["tool_denied"]
	held := data.toolgate.decision with input as _input("asst_cautious", "get_customer", {}, {})
		with data.toolgate.config as _approval_config
		with data.toolgate.rules as {}
	_codes(held) == ["tool_requires_approval"]
}
