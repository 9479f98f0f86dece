# METADATA
# title: toolgate built-in constraints
# description: |
#   Checks driven by input.constraints (resolved by the gate from toolgate.yaml).
#   Each constraint kind lives in its own file of this package and contributes
#   to the same three sets custom rules use: deny, require_approval, sanitize.
package toolgate.constraints

# How an argument is shown in messages: its JSON, or "nothing" when it is absent.
_shown(field) := text if {
	text := json.marshal(input.arguments[field])
} else := "nothing"

# Negations in this package test helpers that take the field name, never
# `not f(input.arguments[field])`: OPA hoists that ref out of the negation, so
# a missing argument would make the check fail instead of firing.
_has_number(field) if is_number(input.arguments[field])

# Fields holding either one value or a list of them are checked the same way.
_as_list(value) := value if is_array(value)

_as_list(value) := [value] if not is_array(value)
