package toolgate.rules_test

_email(to) := {
	"version": 1,
	"assistant_id": "asst_abc123",
	"tool": {"name": "send_email", "type": "function"},
	"arguments": {"to": to, "subject": "s", "body": "b"},
	"constraints": {},
	"context": {},
}

_recipients(n) := [sprintf("u%d@yourcompany.com", [i]) | some i in numbers.range(1, n)]

_approval_codes(input_doc) := codes if {
	codes := {r.code | some r in data.toolgate.rules.require_approval} with input as input_doc
}

test_many_recipients_need_approval if {
	"many_recipients" in _approval_codes(_email(_recipients(11)))
}

test_ten_recipients_need_no_approval if {
	count(_approval_codes(_email(_recipients(10)))) == 0
}

test_cc_and_bcc_count if {
	doc := object.union(_email(_recipients(4)), {"arguments": {"cc": _recipients(4), "bcc": "x@yourcompany.com", "subject": "s", "body": "b"}})
	count(_approval_codes(doc)) == 0
	more := object.union(doc, {"arguments": {"bcc": _recipients(3)}})
	"many_recipients" in _approval_codes(more)
}

test_duplicates_count if {
	"many_recipients" in _approval_codes(_email([a | some _ in numbers.range(1, 11); a := "ann@yourcompany.com"]))
}

test_other_tools_not_checked if {
	doc := object.union(_email(_recipients(50)), {"tool": {"name": "post_message", "type": "function"}})
	count(_approval_codes(doc)) == 0
}

# The decision: approval with the rule's message, unless a deny wins.
test_decision_requires_approval if {
	d := data.toolgate.decision with input as _email(_recipients(12))
		with data.toolgate.config as {"version": 1, "tools": {"send_email": {"effect": "allow"}}}
	d.effect == "require_approval"
	d.reasons == [{"code": "many_recipients", "message": "the email goes to 12 recipients; more than 10 needs approval"}]
}

test_deny_beats_approval if {
	d := data.toolgate.decision with input as object.union(_email(_recipients(12)), {"constraints": {"allowed_domains": ["example.com"]}})
		with data.toolgate.config as {"version": 1, "tools": {"send_email": {"effect": "allow"}}}
	d.effect == "deny"
}

test_few_recipients_allowed if {
	d := data.toolgate.decision with input as _email(_recipients(3))
		with data.toolgate.config as {"version": 1, "tools": {"send_email": {"effect": "allow"}}}
	d.effect == "allow"
}
