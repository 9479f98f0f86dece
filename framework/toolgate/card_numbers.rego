package toolgate.constraints

# no_card_numbers: true (every argument) or [fields]; deny when a string (or
# number) anywhere in them holds a payment card number: 13 to 19 consecutive
# digits of one candidate that pass the Luhn check. The code is
# card_number_code (default card_number).
#
# What counts (the spec test/policy/card-numbers.property.test.ts checks
# against): a digit is an ASCII digit or any character in _card_digit_maps
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
# over the whole text (each linear), as described at each step below. The
# Luhn passes cost about 10 us per candidate digit, so candidates above
# _card_max_digits digits in all are denied unchecked (fail closed).
_card_code := object.get(input.constraints, "card_number_code", "card_number")

_card_fields := object.keys(input.arguments) if {
	input.constraints.no_card_numbers == true
} else := input.constraints.no_card_numbers

deny contains {"code": _card_code, "message": _card_finding} if input.constraints.no_card_numbers

# More candidate digits than the Luhn passes below are given time for are
# refused rather than checked: with so many digits in groups of 13 or more,
# some window nearly always passes Luhn anyway (about one in ten does).
_card_max_digits := 2048

_card_candidate_digits := count(strings.replace_n({"x": ""}, _card_candidates))

_card_finding := sprintf("%s holds more than %d digits in groups of 13 or more, too many to check for payment card numbers", [_card_where, _card_max_digits]) if {
	_card_candidate_digits > _card_max_digits
} else := sprintf("%s appears to contain a payment card number; leave it out and refer to the order or customer instead", [_card_where]) if {
	[sums, marked] := _card_windows
	sums != marked
} else := sprintf("%s could not be checked for payment card numbers", [_card_where]) if {
	not _card_clear
}

# Fail closed: a call is clear only when a step says so, never because a
# step (a host builtin) failed and left the next one undefined.
_card_clear if _card_digits_or_foreign == ""

_card_clear if _card_candidates == ""

_card_clear if {
	[sums, marked] := _card_windows
	sums == marked
}

_card_where := "an argument" if {
	input.constraints.no_card_numbers == true
} else := concat(" or ", sort(_card_fields))

# All checked values as one text; a letter between them keeps them apart.
# A single string (the common case) is used as it is, without walk or copy.
_card_texts := [text |
	some field in _card_fields
	walk(object.get(input.arguments, field, null), [_, value])
	text := _card_value_text(value)
]

_card_text := _card_texts[0] if {
	count(_card_texts) == 1
} else := concat(" x ", _card_texts)

_card_value_text(value) := value if is_string(value)

# A number's text as written: the Rego text of a one-element array is
# "[<number as written>]" (json.marshal is not served, see REFUSED_BUILTINS).
_card_value_text(value) := trim(sprintf("%v", [[value]]), "[]") if is_number(value)

# 1. Without an ASCII digit or a non-ASCII character there is nothing to do.
#    One host regex.replace drops every other character (a pass of V8's
#    regex; the WASM target's native regex.match costs ~30 ns a byte, and a
#    rule left undefined is evaluated again wherever it is read). A failed
#    replace leaves this undefined: neither clear nor checked, so denied.
_card_digits_or_foreign := regex.replace(_card_text, _card_ascii_run_pattern, "")

_card_ascii_run_pattern := `[\x00-/:-\x7f]+`

_card_may_hold if _card_digits_or_foreign != ""

# 2. Letters become x, then everything but digits and x goes (host
#    regex.replace, cached patterns; _card_digit_class lists every digit
#    character of card_number_tables.rego).
_card_bare := bare if {
	_card_may_hold
	lettered := regex.replace(_card_text, _card_letters_pattern, "x")
	bare := regex.replace(lettered, _card_separators_pattern, "")
}

_card_letters_pattern := `\p{L}+`

_card_separators_pattern := concat("", ["[^0-9x", _card_digit_class, "]+"])

# 3. Every digit as ASCII (native strings.replace_n, only when there is a
#    non-ASCII digit: the tables cost time to build on every call).
_card_ascii := _card_ascii_digits(_card_bare) if {
	regex.match(`[^\x00-\x7f]`, _card_bare)
} else := _card_bare

# 4. Candidates of at least 13 digits, each followed by x; shorter ones go.
#    Each candidate is put in brackets first so that every short one is a
#    match of its own (one pattern spanning many would backtrack).
_card_candidates := strings.replace_n({"[": "", "]": "x"}, regex.replace(
	concat("", ["[", strings.replace_n({"x": "]["}, _card_ascii), "]"]),
	_card_short_run_pattern,
	"",
))

_card_short_run_pattern := `\[[0-9]{0,12}\]`

# 5. Luhn on every window without visiting windows one by one. For windows
#    ending at an even index (parity 0), the digits at even indexes count
#    plain and the others doubled; for odd ends, the reverse. With the terms
#    of one parity, a window (a, b] sums to 0 mod 10 exactly when the prefix
#    sums at a and b are equal. Prefix sums are computed inside records of 40
#    positions (six shift-and-add rounds: a regex.replace putting after each
#    position the value 1, 2, 4, ... positions before it, then
#    strings.replace_n adding each such pair), laid out twice, from index 0
#    and from index -20, so that every window of at most 19 and its start lie
#    inside one record. The window pattern then finds two equal sums 13-19
#    positions apart with only digit positions between them and a window end
#    of the right parity at the later one. Each position is two characters:
#    its kind (p a digit, e a digit where a window may end, o none) and its
#    value. The tables are in card_number_tables.rego.
_card_windows := [sums, regex.replace(sums, _card_window_pattern, "!")] if {
	_card_candidates != ""
	_card_candidate_digits <= _card_max_digits
	candidates := _card_even(concat("", ["x", _card_candidates]))
	terms := [strings.replace_n(_card_term_maps[parity], candidates) | some parity in [0, 1]]
	half := substring(_card_padding, 0, _card_record_positions)
	records := concat("", [_card_tiled(terms[0], ""), _card_tiled(terms[1], ""), _card_tiled(terms[0], half), _card_tiled(terms[1], half)])
	sums := _card_round(_card_round(_card_round(_card_round(_card_round(_card_round(records, 0), 1), 2), 3), 4), 5)
}

# Term maps read pairs of characters: an odd length gets one more x.
_card_even(s) := s if {
	count(s) % 2 == 0
} else := concat("", [s, "x"])

# Terms padded to whole records (two characters a position).
_card_tiled(terms, before) := concat("", [before, terms, substring(_card_padding, 0, _card_pad_length(count(before) + count(terms)))])

_card_pad_length(length) := (count(_card_padding) - (length % count(_card_padding))) % count(_card_padding)

_card_round(records, i) := strings.replace_n(_card_pair_sums, regex.replace(records, _card_record_pattern, _card_rounds[i]))
