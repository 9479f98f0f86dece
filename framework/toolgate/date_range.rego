package toolgate.constraints

# date_range_max_days: the span from the first to the second of date_fields
# (default start_date, end_date) may be at most this many days. Dates are
# YYYY-MM-DD (midnight UTC) or RFC 3339 timestamps.
_date_fields := object.get(input.constraints, "date_fields", ["start_date", "end_date"])

_seconds_per_day := (24 * 60) * 60

deny contains {
	"code": "date_range_exceeded",
	"message": sprintf("date range of %v days from %s to %s exceeds the limit of %v days", [
		days, input.arguments[_date_fields[0]], input.arguments[_date_fields[1]], limit,
	]),
} if {
	limit := input.constraints.date_range_max_days
	days := (_date_seconds(_date_fields[1]) - _date_seconds(_date_fields[0])) / _seconds_per_day
	days > limit
}

deny contains {
	"code": "invalid_date",
	"message": sprintf("%s must be a date (YYYY-MM-DD or RFC 3339), got %s", [field, _shown(field)]),
} if {
	input.constraints.date_range_max_days
	some field in _date_fields
	not _date_ns(field)
}

deny contains {
	"code": "invalid_date",
	"message": sprintf("%s %s is before %s %s", [
		_date_fields[1], input.arguments[_date_fields[1]],
		_date_fields[0], input.arguments[_date_fields[0]],
	]),
} if {
	input.constraints.date_range_max_days
	_date_seconds(_date_fields[1]) < _date_seconds(_date_fields[0])
}

# Whole seconds: in the WASM host nanoseconds since 1970 travel as float64
# (exact only to ~256 ns), so a span of exactly 90 days could come out a hair
# over 90. Rounding to seconds makes the comparison exact in both evaluators.
_date_seconds(field) := round(_date_ns(field) / 1000000000)

# A value that does not parse leaves the time builtin undefined (in the WASM
# host as in opa), which falls through to the next form and then to invalid_date.
_date_ns(field) := time.parse_ns("2006-01-02", value) if {
	value := input.arguments[field]
	is_string(value)
} else := time.parse_rfc3339_ns(value) if {
	value := input.arguments[field]
	is_string(value)
}
