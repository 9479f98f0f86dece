package toolgate.budgets_test

_entry(kind, used, reserved, amount, limit) := {
	"kind": kind, "used": used, "reserved": reserved, "amount": amount,
	"would_be": (used + reserved) + amount, "limit": limit, "window": "1d", "per": ["assistant"], "key": ["asst_1"],
}

_codes(kind, usage) := {r.code | some r in data.toolgate.constraints[kind] with input as {"arguments": {}, "constraints": {}, "usage": usage}}

test_under_the_limit_allowed if {
	_codes("deny", {"daily_refunds": _entry("sum", 1000, 500, 500, 2000)}) == set()
	_codes("require_approval", {"daily_refunds": _entry("sum", 1000, 500, 500, 2000)}) == set()
}

test_over_the_limit_denied if {
	_codes("deny", {"daily_refunds": _entry("sum", 1500, 0, 500.01, 2000)}) == {"budget_exceeded"}
}

test_reserved_counts_towards_the_limit if {
	_codes("deny", {"daily_refunds": _entry("sum", 0, 1600, 500, 2000)}) == {"budget_exceeded"}
}

test_count_over_the_limit_rate_limited if {
	_codes("deny", {"blast_rate": _entry("count", 4, 0, 1, 4)}) == {"rate_limited"}
	_codes("deny", {"blast_rate": _entry("count", 3, 0, 1, 4)}) == set()
}

test_deny_message_names_the_budget if {
	reasons := data.toolgate.constraints.deny with input as {"arguments": {}, "constraints": {}, "usage": {"blast_rate": _entry("count", 4, 0, 1, 4)}}
	reasons == {{"code": "rate_limited", "message": "rate limit blast_rate: 4 used of 4 in 1d; this call would bring it to 5"}}
}

test_over_the_soft_limit_needs_approval if {
	usage := {"daily_refunds": object.union(_entry("sum", 1500, 0, 100, 2000), {"soft_limit": 1500})}
	_codes("require_approval", usage) == {"budget_soft_limit"}
	_codes("deny", usage) == set()
}

test_over_both_limits_only_denied if {
	usage := {"daily_refunds": object.union(_entry("sum", 1900, 0, 200, 2000), {"soft_limit": 1500})}
	_codes("deny", usage) == {"budget_exceeded"}
	_codes("require_approval", usage) == set()
}

test_malformed_usage_denied if {
	_codes("deny", {"daily_refunds": {"kind": "sum", "used": "0", "reserved": 0, "would_be": 1, "limit": 5}}) == {"budget_unavailable"}
	_codes("deny", {"daily_refunds": {"kind": "other", "used": 0, "reserved": 0, "would_be": 1, "limit": 5}}) == {"budget_unavailable"}
}

test_no_usage_no_budget_reasons if {
	_codes("deny", {}) == set()
	count(data.toolgate.constraints.deny) == 0 with input as {"arguments": {}, "constraints": {}}
}

test_decision_denies_over_budget if {
	d := data.toolgate.decision with input as {
		"assistant_id": "asst_1", "tool": {"name": "refund_order", "type": "function"},
		"arguments": {"amount": 600}, "constraints": {},
		"usage": {"daily_refunds": _entry("sum", 1500, 0, 600, 2000)},
	}
		with data.toolgate.config as {"tools": {"refund_order": {"effect": "allow"}}}
	d.effect == "deny"
	[r.code | some r in d.reasons] == ["budget_exceeded"]
}
