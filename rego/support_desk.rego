# METADATA
# title: support-desk custom rules
# description: Rules the declarative toolgate.yaml cannot express.
package toolgate.rules

# Tickets are read by many people and kept for years, so a payment card number
# must never land in one (PCI DSS). Candidates are 13-19 digits, optionally
# grouped by spaces or dashes; the Luhn checksum keeps order and phone numbers out.
deny contains {
	"code": "card_number_in_ticket",
	"message": "the ticket summary appears to contain a payment card number; leave it out and refer to the order instead",
} if {
	input.tool.name == "create_ticket"
	some match in regex.find_all_string_submatch_n(`[0-9](?:[ -]?[0-9]){12,18}`, input.arguments.summary, -1)
	_luhn_valid(replace(replace(match[0], " ", ""), "-", ""))
}

_luhn_valid(number) if {
	digits := [to_number(d) | some d in split(strings.reverse(number), "")]
	sum([_luhn_value(i, d) | some i, d in digits]) % 10 == 0
}

# From the right, every second digit is doubled, and 9 is taken off a two-digit result.
_luhn_value(i, d) := d if i % 2 == 0

_luhn_value(i, d) := (d * 2) - 9 if {
	i % 2 == 1
	d > 4
}

_luhn_value(i, d) := d * 2 if {
	i % 2 == 1
	d <= 4
}
