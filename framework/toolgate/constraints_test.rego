package toolgate.constraints_test

# What each built-in constraint emits for the given constraints and arguments.
_out(kind, constraints, args) := out if {
	out := data.toolgate.constraints[kind] with input as {"arguments": args, "constraints": constraints}
}

_codes(kind, constraints, args) := {r.code | some r in _out(kind, constraints, args)}

_denies(constraints, args) := _codes("deny", constraints, args)

# max_amount

test_amount_under_and_at_limit_allowed if {
	count(_denies({"max_amount": 500}, {"amount": 499.99})) == 0
	count(_denies({"max_amount": 500}, {"amount": 500})) == 0
	count(_denies({"max_amount": 500}, {"amount": 0})) == 0
}

test_amount_over_limit_denied if {
	_out("deny", {"max_amount": 500}, {"amount": 900}) == {{
		"code": "max_amount_exceeded",
		"message": "amount 900 exceeds the limit 500",
	}}
}

test_amount_zero_limit if {
	_denies({"max_amount": 0}, {"amount": 0.01}) == {"max_amount_exceeded"}
}

test_amount_negative_invalid if {
	_denies({"max_amount": 500}, {"amount": -5}) == {"invalid_amount"}
}

test_amount_string_invalid if {
	_out("deny", {"max_amount": 500}, {"amount": "100"}) == {{
		"code": "invalid_amount",
		"message": `amount must be a non-negative number, got "100"`,
	}}
}

test_amount_missing_invalid if {
	_denies({"max_amount": 500}, {"order_id": "o-1"}) == {"invalid_amount"}
}

test_amount_custom_field if {
	_denies({"max_amount": 10, "amount_field": "total"}, {"total": 11, "amount": 1}) == {"max_amount_exceeded"}
	count(_denies({"max_amount": 10, "amount_field": "total"}, {"total": 10, "amount": 99})) == 0
}

# allowed_values

test_allowed_value_passes if {
	count(_denies({"allowed_values": {"status": ["shipped", "delivered"]}}, {"status": "shipped"})) == 0
}

test_disallowed_value_denied if {
	_denies({"allowed_values": {"status": ["shipped", "delivered"]}}, {"status": "cancelled"}) == {"value_not_allowed"}
}

test_allowed_value_is_case_sensitive if {
	_denies({"allowed_values": {"status": ["shipped"]}}, {"status": "SHIPPED"}) == {"value_not_allowed"}
}

test_allowed_value_missing_denied if {
	_denies({"allowed_values": {"status": ["shipped"]}}, {"order_id": "o-1"}) == {"value_not_allowed"}
}

test_allowed_values_several_fields if {
	out := _out("deny", {"allowed_values": {"status": ["shipped"], "priority": [1, 2]}}, {"status": "shipped", "priority": 3})
	[r.message | some r in out] == ["priority 3 is not one of the allowed values [1, 2]"]
}

# Per-assistant `allowed_values: null` is resolved by the gate: Rego just sees no constraint.
test_null_override_means_no_constraint if {
	count(_denies({}, {"status": "cancelled"})) == 0
}

# date_range_max_days

test_date_range_within_limit if {
	count(_denies({"date_range_max_days": 90}, {"start_date": "2026-01-01", "end_date": "2026-03-31"})) == 0
}

test_date_range_exactly_at_limit if {
	count(_denies({"date_range_max_days": 90}, {"start_date": "2026-01-01", "end_date": "2026-04-01"})) == 0
}

test_date_range_over_limit if {
	_out("deny", {"date_range_max_days": 90}, {"start_date": "2026-01-01", "end_date": "2026-05-01"}) == {{
		"code": "date_range_exceeded",
		"message": "date range of 120 days from 2026-01-01 to 2026-05-01 exceeds the limit of 90 days",
	}}
}

test_date_range_end_before_start if {
	_denies({"date_range_max_days": 90}, {"start_date": "2026-03-01", "end_date": "2026-01-01"}) == {"invalid_date"}
}

test_date_range_unparseable if {
	_denies({"date_range_max_days": 90}, {"start_date": "yesterday", "end_date": "2026-01-01"}) == {"invalid_date"}
	_denies({"date_range_max_days": 90}, {"start_date": "2026-02-30", "end_date": "2026-03-01"}) == {"invalid_date"}
	_denies({"date_range_max_days": 90}, {"start_date": 20260101, "end_date": "2026-03-01"}) == {"invalid_date"}
}

test_date_range_missing_date if {
	_denies({"date_range_max_days": 90}, {"start_date": "2026-01-01"}) == {"invalid_date"}
}

test_date_range_rfc3339 if {
	count(_denies({"date_range_max_days": 1}, {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-02T00:00:00Z"})) == 0
	_denies({"date_range_max_days": 1}, {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-02T00:00:01Z"}) == {"date_range_exceeded"}
	_denies({"date_range_max_days": 1}, {"start_date": "2026-01-01T00:00:00+02:00", "end_date": "2026-01-02T00:00:00Z"}) == {"date_range_exceeded"}
}

test_date_range_custom_fields if {
	_denies({"date_range_max_days": 7, "date_fields": ["from", "to"]}, {"from": "2026-01-01", "to": "2026-01-09"}) == {"date_range_exceeded"}
}

# approval_over

test_approval_over_threshold if {
	_out("require_approval", {"approval_over": {"recipient_count": 100}}, {"recipient_count": 500}) == {{
		"code": "approval_required",
		"message": "recipient_count 500 exceeds the approval threshold 100",
	}}
}

test_approval_at_threshold_not_needed if {
	count(_out("require_approval", {"approval_over": {"recipient_count": 100}}, {"recipient_count": 100})) == 0
	count(_denies({"approval_over": {"recipient_count": 100}}, {"recipient_count": 100})) == 0
}

test_approval_non_number_denied if {
	_denies({"approval_over": {"recipient_count": 100}}, {"recipient_count": "500"}) == {"invalid_value"}
	_denies({"approval_over": {"recipient_count": 100}}, {}) == {"invalid_value"}
	count(_out("require_approval", {"approval_over": {"recipient_count": 100}}, {"recipient_count": "500"})) == 0
}

# allowed_domains

_domains := {"allowed_domains": ["yourcompany.com"]}

test_domain_allowed if {
	count(_denies(_domains, {"to": ["ann@yourcompany.com"]})) == 0
}

test_domain_mixed_case if {
	count(_denies(_domains, {"to": ["Ann@YourCompany.COM", "bob@yourcompany.com"]})) == 0
	count(_denies({"allowed_domains": ["YourCompany.com."]}, {"to": ["ann@yourcompany.com"]})) == 0
}

# A trailing dot is not an LDH domain, and SMTP does not accept it.
test_domain_trailing_dot_invalid if {
	_denies(_domains, {"to": ["bob@yourcompany.com."]}) == {"invalid_address"}
}

test_domain_entry_with_at_sign if {
	count(_denies({"allowed_domains": ["@yourcompany.com"]}, {"to": ["ann@yourcompany.com"]})) == 0
}

test_one_bad_recipient_denies if {
	_out("deny", _domains, {"to": ["ann@yourcompany.com", "eve@evil.example"]}) == {{
		"code": "domain_not_allowed",
		"message": `to "eve@evil.example" is not at an allowed domain (allowed: yourcompany.com)`,
	}}
}

test_domain_lookalikes_denied if {
	_denies(_domains, {"to": ["ann@evil-yourcompany.com"]}) == {"domain_not_allowed"}
	_denies(_domains, {"to": ["ann@yourcompany.com.evil"]}) == {"domain_not_allowed"}
	_denies(_domains, {"to": ["ann@mail.yourcompany.com"]}) == {"domain_not_allowed"}
}

# A second "@", a quoted local part, comments, display names, groups and lists
# are read differently by mail libraries; only a plain address is accepted.
test_domain_specials_invalid if {
	_denies(_domains, {"to": ["ann@yourcompany.com@evil.example"]}) == {"invalid_address"}
	_denies(_domains, {"to": [`"eve@evil.example"@yourcompany.com`]}) == {"invalid_address"}
	_denies(_domains, {"to": ["eve@evil.example(x)@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann(eve@evil.example)@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["Ann <ann@yourcompany.com>"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["g: ann@yourcompany.com;"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["eve%evil.example@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["evil.example!eve@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann\u00a0@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann\uff20yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany.\u212aom"]}) == {"invalid_address"}
	_denies(_domains, {"to": [".ann@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann.@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["a..nn@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["-oQ/tmp@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["+ann@yourcompany.com"]}) == {"invalid_address"}
}

test_domain_plain_local_parts_allowed if {
	count(_denies(_domains, {"to": ["a.b_c+tag-1@yourcompany.com", "A9@yourcompany.com", "_x-@yourcompany.com"]})) == 0
}

test_domain_length_limits if {
	local64 := concat("", [x | some _ in numbers.range(1, 64); x := "a"])
	count(_denies(_domains, {"to": [concat("", [local64, "@yourcompany.com"])]})) == 0
	_denies(_domains, {"to": [concat("", [local64, "a@yourcompany.com"])]}) == {"invalid_address"}
	label63 := concat("", [x | some _ in numbers.range(1, 63); x := "b"])
	_denies(_domains, {"to": [concat("", ["a@", label63, ".com"])]}) == {"domain_not_allowed"}
	_denies(_domains, {"to": [concat("", ["a@", label63, "b.com"])]}) == {"invalid_address"}
}

# One reason per field and kind, however many elements are bad.
test_domain_one_reason_per_field_and_kind if {
	out := _out("deny", _domains, {"to": ["eve@evil.example", "x", "mal@evil.example", "y"], "cc": "z"})
	[r.message | some r in out] == [
		`to holds 2 values that are not at an allowed domain, the first "eve@evil.example" (allowed: yourcompany.com)`,
		`cc "z" is not a plain email address`,
		`to holds 2 values that are not plain email addresses, the first "x"`,
	]
}

test_cc_and_bcc_checked_as_string_or_list if {
	_denies(_domains, {"to": ["ann@yourcompany.com"], "cc": "eve@evil.example"}) == {"domain_not_allowed"}
	_denies(_domains, {"to": "ann@yourcompany.com", "bcc": ["eve@evil.example"]}) == {"domain_not_allowed"}
}

test_custom_address_fields if {
	_denies({"allowed_domains": ["yourcompany.com"], "address_fields": ["recipients"]}, {"recipients": ["eve@evil.example"], "to": "x"}) == {"domain_not_allowed"}
}

test_invalid_addresses if {
	_denies(_domains, {"to": ["ann"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["eve@evil.example,ann@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["Eve <eve@evil.example> ann@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@your_company.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": [42]}) == {"invalid_address"}
	_denies(_domains, {"to": {"address": "ann@yourcompany.com"}}) == {"invalid_address"}
}

# allowed_hosts

_hosts := {"allowed_hosts": ["api.yourcompany.com", "docs.yourcompany.com", "[2001:db8::1]"]}

test_host_allowed if {
	count(_denies(_hosts, {"url": "https://api.yourcompany.com/v1/items"})) == 0
	count(_denies(_hosts, {"url": "http://docs.yourcompany.com"})) == 0
	count(_denies(_hosts, {"url": "https://docs.yourcompany.com?q=1"})) == 0
}

test_host_case_and_port if {
	count(_denies(_hosts, {"url": "HTTPS://API.YourCompany.com:8443/x"})) == 0
	count(_denies(_hosts, {"url": "https://api.yourcompany.com:/x"})) == 0
	count(_denies(_hosts, {"url": "https://api.yourcompany.com:65535/x"})) == 0
	count(_denies(_hosts, {"url": "https://api.yourcompany.com:000000000443/x"})) == 0
}

test_host_port_out_of_range_invalid if {
	_denies(_hosts, {"url": "https://api.yourcompany.com:65536/x"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:99999/x"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:0000099999"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:123456789012345678901234567890/"}) == {"invalid_url"}
}

# WHATWG keeps a trailing dot in the host: a different Host header, not the listed host.
test_host_trailing_dot_not_the_listed_host if {
	_denies(_hosts, {"url": "https://api.yourcompany.com./x"}) == {"host_not_allowed"}
}

# WHATWG reads a host ending in a number as IPv4 (decimal, octal, hex, 1-4 parts).
test_host_numeric_forms if {
	ips := {"allowed_hosts": ["127.0.0.1", "10.0.0.1"]}
	count(_denies(ips, {"url": "http://127.0.0.1:8080/x"})) == 0
	_denies(ips, {"url": "http://0x7f.1/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://2130706433/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://127.1/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://0177.0.0.1/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://127.0.0.1./"}) == {"invalid_url"}
	_denies(ips, {"url": "http://127.0.0.256/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://evil.example.0x/"}) == {"invalid_url"}
	_denies(ips, {"url": "http://10.0.0.2/"}) == {"host_not_allowed"}
	_denies(ips, {"url": "http://1e3/"}) == {"host_not_allowed"}
}

test_host_lookalike_denied if {
	_out("deny", _hosts, {"url": "https://api.yourcompany.com.evil.example/x"}) == {{
		"code": "host_not_allowed",
		"message": `url "https://api.yourcompany.com.evil.example/x" is not at an allowed host (allowed hosts: [2001:db8::1], api.yourcompany.com, docs.yourcompany.com)`,
	}}
	_denies(_hosts, {"url": "https://evilapi.yourcompany.com/"}) == {"host_not_allowed"}
	_denies(_hosts, {"url": "https://yourcompany.com/"}) == {"host_not_allowed"}
}

test_host_userinfo if {
	_denies(_hosts, {"url": "https://api.yourcompany.com@evil.example/"}) == {"host_not_allowed"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:443@evil.example/"}) == {"host_not_allowed"}
	count(_denies(_hosts, {"url": "https://user:p%40ss@api.yourcompany.com/"})) == 0
}

test_host_ipv6 if {
	count(_denies(_hosts, {"url": "https://[2001:DB8::1]:8080/x"})) == 0
	_denies(_hosts, {"url": "https://[::1]/x"}) == {"host_not_allowed"}
}

test_invalid_urls if {
	_denies(_hosts, {"url": "api.yourcompany.com/v1"}) == {"invalid_url"}
	_denies(_hosts, {"url": "//api.yourcompany.com/v1"}) == {"invalid_url"}
	_denies(_hosts, {"url": "ftp://api.yourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "javascript:alert(1)"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https:///x"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://./x"}) == {"host_not_allowed"}
	_denies(_hosts, {"url": `https://evil.example\@api.yourcompany.com/`}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com /x"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api%2eyourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:80a/"}) == {"invalid_url"}
	_denies(_hosts, {"url": 42}) == {"invalid_url"}
}

test_url_list_and_custom_fields if {
	_denies(_hosts, {"url": ["https://api.yourcompany.com/", "https://evil.example/"]}) == {"host_not_allowed"}
	_denies(object.union(_hosts, {"url_fields": ["endpoint"]}), {"endpoint": "https://evil.example/", "url": "x"}) == {"host_not_allowed"}
}

test_url_field_absent_not_checked if {
	count(_denies(_hosts, {"query": "x"})) == 0
}

# redact_secrets

_redact := {"redact_secrets": ["text"]}

test_openai_key_redacted if {
	_out("sanitize", _redact, {"text": "deploy key sk-abcdefghijklmnopqrstuvwx done"}) == {{
		"code": "secret_redacted",
		"message": "secrets in text replaced by [REDACTED]",
		"field": "text",
		"value": "deploy key [REDACTED] done",
	}}
}

test_several_secret_kinds_redacted if {
	[s.value | some s in _out("sanitize", _redact, {"text": "a sk-proj-abc_DEF-1234567890xyz b xoxb-1234567890-abcdef c AKIAIOSFODNN7EXAMPLE d"})] == ["a [REDACTED] b [REDACTED] c [REDACTED] d"]
}

test_clean_text_not_sanitized if {
	count(_out("sanitize", _redact, {"text": "all good, ask the task-force sk-short"})) == 0
}

test_only_configured_string_fields_redacted if {
	count(_out("sanitize", _redact, {"channel": "sk-abcdefghijklmnopqrstuvwx", "text": "ok"})) == 0
	count(_out("sanitize", _redact, {"text": ["sk-abcdefghijklmnopqrstuvwx"]})) == 0
}

test_custom_secret_patterns_add_to_builtins if {
	constraints := {"redact_secrets": ["text"], "secret_patterns": [`pin-[0-9]{4}`]}
	[s.value | some s in _out("sanitize", constraints, {"text": "t pin-1234 sk-abcdefghijklmnopqrstuvwx"})] == ["t [REDACTED] [REDACTED]"]
}

# Parsing edge cases of the one-pattern URL and address parsers (see also
# test/policy/parser-equivalence.test.ts, which compares them with the previous
# regex.match-based parsers over generated input).

test_host_userinfo_up_to_last_at if {
	count(_denies(_hosts, {"url": "https://a@b@api.yourcompany.com/"})) == 0
	_denies(_hosts, {"url": "https://api.yourcompany.com@a@evil.example/"}) == {"host_not_allowed"}
	_denies(_hosts, {"url": "https://api.yourcompany.com#@evil.example/"}) == set()
	_denies(_hosts, {"url": "https://evil.example?@api.yourcompany.com/"}) == {"host_not_allowed"}
}

test_host_replacement_syntax_is_data if {
	count(_denies(_hosts, {"url": "https://api.yourcompany.com/$1$2"})) == 0
	_denies(_hosts, {"url": "https://$1@evil.example/"}) == {"host_not_allowed"}
	_denies(_hosts, {"url": "https://$1/"}) == {"invalid_url"}
}

test_host_refuses_control_and_odd_characters_anywhere if {
	_denies(_hosts, {"url": "https://api.yourcompany.com/a\u0000b"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com/\u007f"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com/x?q=a b"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://us\ter@api.yourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com\n"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com\u2028/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.\u212aom/"}) == {"invalid_url"}
	count(_denies(_hosts, {"url": "https://api.yourcompany.com/caf\u00e9\u2028"})) == 0
}

test_host_scheme_and_port_forms if {
	_denies(_hosts, {"url": "httpss://api.yourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "http+s://api.yourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https:/api.yourcompany.com/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://api.yourcompany.com:8080:80/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://[2001:db8::1/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://[2001:db8::1]x/"}) == {"invalid_url"}
	_denies(_hosts, {"url": "https://[2001:db8::1]./"}) == {"invalid_url"}
	count(_denies(_hosts, {"url": "hTTpS://[2001:db8::1]"})) == 0
}

test_domain_local_part_and_trailing_dots if {
	_denies(_domains, {"to": ["a@@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["@@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany.com.."]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@.yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@-yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany-.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany..com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany.com\n"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["an;n@yourcompany.com"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany.com\\"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["ann@yourcompany.\u00e9"]}) == {"invalid_address"}
	_denies(_domains, {"to": ["$1@evil.example"]}) == {"invalid_address"}
}

# max_elements

test_list_over_cap_denied_once_per_field if {
	to := [a | some i in numbers.range(1, 1001); a := sprintf("u%d@yourcompany.com", [i])]
	_out("deny", _domains, {"to": to}) == {{
		"code": "too_many_elements",
		"message": "to holds 1001 values; at most 1000 are checked (max_elements)",
	}}
	count(_denies(_domains, {"to": array.slice(to, 0, 1000)})) == 0
}

test_list_cap_configurable if {
	capped := object.union(_domains, {"max_elements": 2})
	_denies(capped, {"to": ["a@yourcompany.com", "b@yourcompany.com", "c@yourcompany.com"]}) == {"too_many_elements"}
	count(_denies(capped, {"to": ["a@yourcompany.com", "b@yourcompany.com"]})) == 0
	_denies(object.union(_hosts, {"max_elements": 1}), {"url": ["https://api.yourcompany.com/", "https://docs.yourcompany.com/"]}) == {"too_many_elements"}
}

test_list_cap_field_not_checked_further if {
	_denies(object.union(_domains, {"max_elements": 1}), {"to": ["x", "eve@evil.example"], "cc": ["y"]}) == {"too_many_elements", "invalid_address"}
}

test_date_range_each_date_checked_once if {
	_denies({"date_range_max_days": 90}, {"start_date": "2026-01-01", "end_date": "nope"}) == {"invalid_date"}
	count(_out("deny", {"date_range_max_days": 90}, {"start_date": "x", "end_date": "y"})) == 2
}

test_each_builtin_secret_kind_alone_redacted if {
	[s.value | some s in _out("sanitize", _redact, {"text": "x xoxp-1234567890-abc y"})] == ["x [REDACTED] y"]
	[s.value | some s in _out("sanitize", _redact, {"text": "AKIAIOSFODNN7EXAMPLE"})] == ["[REDACTED]"]
	[s.value | some s in _out("sanitize", _redact, {"text": "sk-abcdefghijklmnopqrstuvwx"})] == ["[REDACTED]"]
}

test_custom_secret_patterns_apply_without_builtin_literals if {
	constraints := {"redact_secrets": ["text"], "secret_patterns": [`[0-9]{4}-[0-9]{4}`]}
	[s.value | some s in _out("sanitize", constraints, {"text": "pin 1234-5678"})] == ["pin [REDACTED]"]
	count(_out("sanitize", constraints, {"text": "no secret here"})) == 0
}

# The line patterns are written out whole (constants are read by the host once); these are their parts.
_ldh_label := `[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?`

_octet := `(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`

test_address_line_pattern_is_its_parts if {
	data.toolgate.constraints._address_line_pattern == concat("", [
		`[^\n]{255,}\n`,
		`|(?:[A-Za-z0-9_](?:[A-Za-z0-9_+.-]{0,62}[A-Za-z0-9_+-])?@(`,
		_ldh_label, `(?:\.`, _ldh_label, `)*`,
		`)|[^\n]*)\n`,
	])
}

test_url_line_pattern_is_its_parts if {
	data.toolgate.constraints._url_line_pattern == concat("", [
		`(?:[Hh][Tt][Tt][Pp][Ss]?://`,
		`(?:[^/?#\x00-\x20\x7f\\]*@)?`,
		`(?:(`, _octet, `(?:\.`, _octet, `){3})`,
		`|((?:[A-Za-z0-9-]*\.)*(?:[0-9]+|0[xX][0-9A-Fa-f]*)\.?)`,
		`|([A-Za-z0-9.-]+)`,
		`|(\[[0-9A-Fa-f:.]+\]))`,
		`(?::0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])?)?`,
		`(?:[/?#][^\x00-\x20\x7f\\]*)?`,
		`|[^\n]*)\n`,
	])
}
