package toolgate.card_numbers_test

# no_card_numbers: positives for each digit form and separator class, prefix
# and suffix digits; near misses that must pass. 4111111111111111 and
# 5500000000000004 pass Luhn; in 4111111111111113 no window of 13 to 19
# digits does (4111111111111112 would not do: its last 13 digits pass).

_denies(constraints, args) := codes if {
	out := data.toolgate.constraints.deny with input as {"arguments": args, "constraints": constraints}
	codes := {r.code | some r in out}
}

_summary(text) := _denies({"no_card_numbers": ["summary"]}, {"summary": text})

_denied(text) if _summary(text) == {"card_number"}

_allowed(text) if count(_summary(text)) == 0

test_plain_and_grouped_cards_denied if {
	_denied("4111111111111111")
	_denied("customer read me 4111 1111 1111 1111 over the phone")
	_denied("card 5500-0000-0000-0004 declined")
	_denied("amex 3782 822463 10005")
}

test_message_names_the_fields if {
	out := data.toolgate.constraints.deny with input as {
		"arguments": {"summary": "4111111111111111", "subject": "hi"},
		"constraints": {"no_card_numbers": ["summary", "subject"]},
	}
	out == {{
		"code": "card_number",
		"message": "subject or summary appears to contain a payment card number; leave it out and refer to the order or customer instead",
	}}
}

test_every_separator_class_denied if {
	_denied("4111.1111.1111.1111")
	_denied("4111/1111/1111/1111")
	_denied("4111_1111_1111_1111")
	_denied("4111\t1111\t1111\t1111")
	_denied("4111\u00a01111\u00a01111\u00a01111")
	_denied("4111\n1111\r\n1111\n1111")
	_denied("4111 - 1111 -- 1111 // 1111")
	_denied("4\u200b1\u200b1\u200b1111111111111")
	_denied("(4111) [1111] {1111} <1111>")
	_denied("4111\u20141111\u20131111\u20121111")
	_denied("4111\u03011111\u03011111\u03011111")
}

test_unicode_digits_denied if {
	_denied("\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11") # full-width
	_denied("\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661") # Arabic-Indic
	_denied("\u096a\u0967\u0967\u0967 \u0967\u0967\u0967\u0967 \u0967\u0967\u0967\u0967 \u0967\u0967\u0967\u0967") # Devanagari
	_denied("4111 \u00b9\u00b9\u00b9\u00b9 \u2460\u2460\u2460\u2460 \u2776\u2776\u2776\u2776") # superscript, circled, dingbat
	_denied("\ud835\udfd2\ud835\udfcf\ud835\udfcf\ud835\udfcf1111 1111 1111") # mathematical bold digits
	_denied("4111 \u0661\u0661\u0661\u0661 \uff11\uff11\uff11\uff11 1111") # mixed scripts
}

test_digits_around_a_card_denied if {
	_denied("94111111111111111")
	_denied("123 4111 1111 1111 1111")
	_denied("4111111111111111 7")
	_denied("00004111111111111111000")
	_denied("ref 55000000000000049999")
}

test_numbers_checked if {
	_denies({"no_card_numbers": ["card"]}, {"card": 4111111111111111}) == {"card_number"}
	count(_denies({"no_card_numbers": ["card"]}, {"card": 4111111111111113})) == 0
}

test_nested_values_and_lists_checked if {
	_denies({"no_card_numbers": ["to"]}, {"to": ["a@b.c", "4111111111111111"]}) == {"card_number"}
	_denies({"no_card_numbers": true}, {"meta": {"notes": [{"n": "4111 1111 1111 1111"}]}}) == {"card_number"}
}

test_true_checks_every_argument if {
	_denies({"no_card_numbers": true}, {"a": "fine", "b": "pay 4111 1111 1111 1111"}) == {"card_number"}
	count(_denies({"no_card_numbers": true}, {"a": "fine", "b": 7})) == 0
}

test_only_named_fields_checked if {
	count(_denies({"no_card_numbers": ["summary"]}, {"summary": "ok", "other": "4111111111111111"})) == 0
}

test_custom_code if {
	_denies({"no_card_numbers": ["s"], "card_number_code": "pan_in_ticket"}, {"s": "4111111111111111"}) == {"pan_in_ticket"}
}

test_absent_field_and_no_constraint_allowed if {
	count(_denies({"no_card_numbers": ["summary"]}, {"other": "x"})) == 0
	count(_denies({}, {"summary": "4111111111111111"})) == 0
}

# Near misses.

test_luhn_failure_allowed if {
	_allowed("order 4111111111111113 arrived late")
	_allowed("4111 1111 1111 1113")
	_denied("4111111111111112")
}

test_short_numbers_allowed if {
	_allowed("411111111111") # 12 digits, even though a Luhn-valid prefix
	_allowed("order o-1 for customer 555 123 4567")
	_allowed("")
}

# Letters end a candidate: digits on both sides of a word are not joined.
test_letters_split_candidates if {
	_allowed("4111 1111 ref 1111 1111")
	_allowed("411111111111a1111")
}

# Longer runs are allowed only when no window of 13 to 19 digits passes Luhn:
# 25 ones (window sums 19, 21, 22, 24, 25, 27, 28) pass, while most long
# numbers are denied (about one window in ten passes Luhn); see
# docs/policy-config.md.
test_long_run_without_valid_window_allowed if {
	_allowed("1111111111111111111111111")
	_allowed("1111 1111 1111 1111 1111 1111 1")
}

test_long_run_with_valid_window_denied if {
	_denied("00000000000000000000") # 13 zeros pass Luhn
}

# Values in different arguments or list items are not joined.
test_values_not_joined if {
	count(_denies({"no_card_numbers": ["a", "b"]}, {"a": "41111111", "b": "11111111"})) == 0
	count(_denies({"no_card_numbers": ["a"]}, {"a": ["41111111", "11111111"]})) == 0
}

# Large inputs stay linear; one card at the end of 20,000 separators and digits is found.
test_card_after_long_noise_denied if {
	noise := concat("", [concat(" ", [sprintf("%d", [i % 7]) | some i in numbers.range(1, 10000)]), "a"])
	_denied(concat("", [noise, " 4111 1111 1111 1111"]))
}

# The cost bound: up to 2,048 candidate positions are checked, more are refused unchecked.
test_many_digits_checked_up_to_the_bound if {
	ones := concat("", [d | some _ in numbers.range(1, 2040); d := "1"])
	_allowed(ones)
	out := data.toolgate.constraints.deny with input as {"arguments": {"s": concat("", [ones, "11111111111"])}, "constraints": {"no_card_numbers": ["s"]}}
	out == {{
		"code": "card_number",
		"message": "s holds more than 2048 digits in groups of 13 or more, too many to check for payment card numbers",
	}}
}

test_many_short_numbers_not_bounded if {
	_allowed(concat(" a ", [n | some i in numbers.range(1, 3000); n := sprintf("%d", [i])]))
}

# Fail closed: a host builtin that fails (undefined) denies the call.
_failing_replace(_, _, _) := value if {
	value := "never"
	false
}

test_check_that_cannot_run_denies if {
	out := data.toolgate.constraints.deny with input as {"arguments": {"s": "4111 1111 1111 1113"}, "constraints": {"no_card_numbers": ["s"]}}
		with regex.replace as _failing_replace
	out == {{"code": "card_number", "message": "s could not be checked for payment card numbers"}}
}
