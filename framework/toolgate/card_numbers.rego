package toolgate.constraints

# no_card_numbers: true (every argument) or [fields]; deny when a string (or
# number) anywhere in them holds a payment card number: 13 to 19 consecutive
# digits of one candidate that pass the Luhn check. The code is
# card_number_code (default card_number).
#
# What counts (the spec test/policy/card-numbers.property.test.ts checks
# against): a digit is an ASCII digit or any character in _card_digit_map
# (every Unicode decimal digit, full-width and other scripts, superscripts,
# circled and parenthesized numbers...; card_number_tables.rego, generated).
# Letters end a candidate; everything else between two digits (spaces, tabs,
# NBSP, dots, slashes, underscores, dashes, any punctuation, symbols, marks,
# invisible characters, newlines) is a separator and is skipped. Every window
# of 13 to 19 consecutive digits of a candidate is checked, so other digits
# around a card number do not hide it.
#
# Linear in the text, with no loop over characters in Rego (each iteration of
# which would cost far more than the text's length allows): the work is done
# by a fixed number of native strings.replace_n and host regex.replace passes
# over the whole text (each linear), as described at each step below.
_card_code := object.get(input.constraints, "card_number_code", "card_number")

_card_fields := object.keys(input.arguments) if {
	input.constraints.no_card_numbers == true
} else := input.constraints.no_card_numbers

deny contains {
	"code": _card_code,
	"message": sprintf("%s appears to contain a payment card number; leave it out and refer to the order or customer instead", [_card_where]),
} if {
	input.constraints.no_card_numbers
	_card_found
}

_card_where := "an argument" if {
	input.constraints.no_card_numbers == true
} else := concat(" or ", sort(_card_fields))

# All checked values as one text; a letter between them keeps them apart.
_card_text := concat(" x ", [text |
	some field in _card_fields
	walk(object.get(input.arguments, field, null), [_, value])
	text := _card_value_text(value)
])

_card_value_text(value) := value if is_string(value)

_card_value_text(value) := json.marshal(value) if is_number(value)

# 1. Every digit as ASCII (native, one pass).
_card_ascii := strings.replace_n(_card_digit_map, _card_text)

# 2. Cheap native filter: fewer than 13 digits in all cannot hold a card.
_card_enough_digits if regex.match(`[0-9](?:[^0-9]*[0-9]){12}`, _card_ascii)

# 3. Candidates of at least 13 digits, without separators, each between
#    x's: letters become x, separators go, shorter candidates are dropped.
_card_candidates := candidates if {
	_card_enough_digits
	lettered := regex.replace(_card_ascii, `\p{L}+`, "x")
	bare := regex.replace(lettered, `[^0-9x]+`, "")
	candidates := regex.replace(concat("", ["x", bare, "x"]), `x(?:[0-9]{0,12}x)+`, "x")
	candidates != "x"
}

# 4. Luhn on every window without visiting windows one by one. For windows
#    ending at an even index (parity 0), the digits at even indexes count
#    plain and the others doubled; for odd ends, the reverse. With the terms
#    of one parity, a window (a, b] sums to 0 mod 10 exactly when the prefix
#    sums at a and b are equal. Prefix sums are computed inside records of 64
#    positions (six shift-and-add rounds: a regex.replace pairing each
#    position with the one 1, 2, 4, ... before it, then strings.replace_n
#    adding each pair), laid out twice, from index 0 and from index -32, so
#    that every window of at most 19 (and its start) lies inside one record.
#    The window pattern then finds two equal sums 13-19 positions apart with
#    only digit positions between them and a window end of the right parity
#    at the later one. Each character marks its kind: 0-9 a digit position,
#    A-J a window end of this parity, k-t no digit (values 0-9 each).
_card_found if {
	candidates := _card_even(_card_candidates)
	terms := [strings.replace_n(_card_term_maps[parity], candidates) | some parity in [0, 1]]
	records := concat("", [_card_tiled(terms[0], ""), _card_tiled(terms[1], ""), _card_tiled(terms[0], _card_pad_32), _card_tiled(terms[1], _card_pad_32)])
	sums := _card_round(_card_round(_card_round(_card_round(_card_round(_card_round(records, 0), 1), 2), 3), 4), 5)
	regex.replace(sums, _card_window_pattern, "!") != sums
}

# Term maps read pairs of characters: an odd length gets one more x.
_card_even(s) := s if {
	count(s) % 2 == 0
} else := concat("", [s, "x"])

_card_pad_32 := "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"

_card_tiled(terms, before) := concat("", [before, terms, substring(concat("", [_card_pad_32, _card_pad_32]), 0, (64 - ((count(before) + count(terms)) % 64)) % 64)])

_card_round(records, i) := strings.replace_n(_card_pair_sums, regex.replace(records, _card_record_pattern, _card_rounds[i]))
