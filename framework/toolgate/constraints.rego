# METADATA
# title: toolgate built-in constraints
# description: |
#   Checks driven by input.constraints (resolved by the gate from toolgate.yaml).
#   Each constraint kind lives in its own file of this package and contributes
#   to the same three sets custom rules use: deny, require_approval, sanitize.
package toolgate.constraints

# How an argument is shown in messages, or "nothing" when it is absent.
_shown(field) := text if {
	text := _text(input.arguments[field])
} else := "nothing"

# A value in a message: a string quoted, anything else as OPA's Go evaluator
# prints it (objects with sorted keys). Not json.marshal: the WASM target's
# json.marshal orders an object's keys by its hash table and does not escape
# <, >, & as Go does, so the message would differ between runtimes.
_text(value) := sprintf("%q", [value]) if is_string(value)

_text(value) := sprintf("%v", [value]) if not is_string(value)

# Negations in this package test helpers that take the field name, never
# `not f(input.arguments[field])`: OPA hoists that ref out of the negation, so
# a missing argument would make the check fail instead of firing.
_has_number(field) if is_number(input.arguments[field])

# Fields holding either one value or a list of them are checked the same way.
_as_list(value) := value if is_array(value)

_as_list(value) := [value] if not is_array(value)

# max_elements: how many values of one list argument the list constraints
# (allowed_domains, allowed_hosts) check. A longer list is denied as a whole,
# before any element is looked at, so what a call costs is bounded by the config.
_max_elements := object.get(input.constraints, "max_elements", 1000)

# The fields a list constraint reads.
_list_fields contains field if {
	input.constraints.allowed_domains
	some field in _address_fields
}

_list_fields contains field if {
	input.constraints.allowed_hosts
	some field in _url_fields
}

deny contains {
	"code": "too_many_elements",
	"message": sprintf("%s holds %d values; at most %d are checked (max_elements)", [field, count(list), _max_elements]),
} if {
	some field in _list_fields
	list := input.arguments[field]
	is_array(list)
	not _within_cap(list)
}

_within_cap(list) if count(list) <= _max_elements

# One value, or a list no longer than max_elements, as a list; a longer list is
# left out here (too_many_elements denies it).
_capped_list(value) := [value] if not is_array(value)

_capped_list(value) := value if {
	is_array(value)
	_within_cap(value)
}

# Messages name one offending value and how many there were, so a list with
# thousands of bad elements yields one reason per field and kind.
_first_of(field, values, one, many) := sprintf("%s %s %s", [field, _text(values[0]), one]) if {
	count(values) == 1
} else := sprintf("%s holds %d values that %s, the first %s", [field, count(values), many, _text(values[0])])
