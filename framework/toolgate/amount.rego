package toolgate.constraints

# max_amount: the argument named by amount_field (default "amount") must be a
# number between 0 and the limit. Missing, non-numeric and negative amounts are
# denied, since a refund of "-50" or "100" would be read differently downstream.
_amount_field := object.get(input.constraints, "amount_field", "amount")

deny contains {
	"code": "max_amount_exceeded",
	"message": sprintf("%s %v exceeds the limit %v", [_amount_field, amount, limit]),
} if {
	limit := input.constraints.max_amount
	amount := input.arguments[_amount_field]
	_valid_amount(amount)
	amount > limit
}

deny contains {
	"code": "invalid_amount",
	"message": sprintf("%s must be a non-negative number, got %s", [_amount_field, _shown(_amount_field)]),
} if {
	input.constraints.max_amount
	not _has_valid_amount
}

_has_valid_amount if _valid_amount(input.arguments[_amount_field])

_valid_amount(amount) if {
	is_number(amount)
	amount >= 0
}
