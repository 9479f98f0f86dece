package toolgate.constraints

# allowed_values: {field: [values...]}; the argument must equal one of them.
# A missing field is denied too: the tool's own default is unknown to the policy.
deny contains {
	"code": "value_not_allowed",
	"message": sprintf("%s %s is not one of the allowed values %s", [field, _shown(field), _text(allowed)]),
} if {
	some field, allowed in input.constraints.allowed_values
	not _value_in(field, allowed)
}

_value_in(field, allowed) if input.arguments[field] in allowed
