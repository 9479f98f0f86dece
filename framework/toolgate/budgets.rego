package toolgate.constraints

# Budgets and rate limits (toolgate.yaml `budgets:`): the gate reads each
# budget's usage in its window and puts it in input.usage[name] as
# {kind, used, reserved, amount, would_be, limit, soft_limit?, window, per, key};
# would_be = used + reserved + amount. Over the limit is a deny, over the soft
# limit a human's call. The gate reserves before the tool runs, so usage that
# moved since this read can only turn an allow into a deny.

deny contains {
	"code": _over_code(entry.kind),
	"message": sprintf("%s %s: %v used of %v in %s; this call would bring it to %v", [_noun(entry.kind), name, entry.used + entry.reserved, entry.limit, entry.window, entry.would_be]),
} if {
	some name, entry in _usage
	_well_formed(entry)
	entry.would_be > entry.limit
}

require_approval contains {
	"code": "budget_soft_limit",
	"message": sprintf("%s %s would reach %v, above its soft limit %v (limit %v in %s)", [_noun(entry.kind), name, entry.would_be, entry.soft_limit, entry.limit, entry.window]),
} if {
	some name, entry in _usage
	_well_formed(entry)
	is_number(entry.soft_limit)
	entry.would_be > entry.soft_limit
	entry.would_be <= entry.limit
}

# A usage entry the checks cannot read denies rather than being skipped.
deny contains {
	"code": "budget_unavailable",
	"message": sprintf("the usage of budget %s is malformed", [name]),
} if {
	some name, entry in _usage
	not _well_formed(entry)
}

default _usage := {}

_usage := input.usage if is_object(input.usage)

_well_formed(entry) if {
	entry.kind in {"sum", "count"}
	is_number(entry.used)
	is_number(entry.reserved)
	is_number(entry.would_be)
	is_number(entry.limit)
}

_over_code("count") := "rate_limited"

_over_code("sum") := "budget_exceeded"

_noun("count") := "rate limit"

_noun("sum") := "budget"
