package toolgate.constraints

# approval_over: {field: threshold}; a value above the threshold needs a human.
require_approval contains {
	"code": "approval_required",
	"message": sprintf("%s %v exceeds the approval threshold %v", [field, value, threshold]),
} if {
	some field, threshold in input.constraints.approval_over
	value := input.arguments[field]
	is_number(value)
	value > threshold
}

# Without a number there is nothing to compare, and skipping the check would
# let the call through unapproved.
deny contains {
	"code": "invalid_value",
	"message": sprintf("%s must be a number to check it against the approval threshold, got %s", [field, _shown(field)]),
} if {
	some field, _ in input.constraints.approval_over
	not _has_number(field)
}
