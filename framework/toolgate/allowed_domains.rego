package toolgate.constraints

# allowed_domains: every address in address_fields (default to, cc, bcc; each a
# string or a list of strings) must be at one of these domains. The domain is
# what follows the last "@", compared exactly and case-insensitively, so
# look-alikes (evil-yourcompany.com, yourcompany.com.evil) do not pass.
_address_fields := object.get(input.constraints, "address_fields", ["to", "cc", "bcc"])

_allowed_domains := {_normalize_domain(trim_prefix(d, "@")) | some d in input.constraints.allowed_domains}

_addresses contains [field, address] if {
	input.constraints.allowed_domains
	some field in _address_fields
	some address in _as_list(input.arguments[field])
}

# Each address is parsed once per evaluation (a function call is not cached, a rule is).
_address_domains[address] := domain if {
	some [_, address] in _addresses
	domain := _email_domain(address)
}

deny contains {
	"code": "domain_not_allowed",
	"message": sprintf("%s address %s is not at an allowed domain (%s)", [field, address, concat(", ", sort(_allowed_domains))]),
} if {
	some [field, address] in _addresses
	domain := _address_domains[address]
	not domain in _allowed_domains
}

deny contains {
	"code": "invalid_address",
	"message": sprintf("%s holds %s, which is not a plain email address", [field, json.marshal(address)]),
} if {
	some [field, address] in _addresses
	not _address_domains[address]
}

# Whitespace, commas, semicolons and angle brackets would let one string name
# several recipients or a display name, so only a bare address is accepted.
# The local part is everything before the last "@" (it may hold "@" itself, as
# in a quoted local part) and must not be empty; the domain, lower-cased and
# without one trailing dot, is dot-separated LDH labels.
#
# One host regex.replace does the parse (the WASM target's regex builtins
# recompile their pattern on every evaluation; the host caches it): an address
# that matches becomes its domain, one that does not comes back unchanged (and
# an address, which has an "@", never equals a domain). The pattern means the
# same in RE2 (opa) and JavaScript: whitespace is spelled out as RE2's \s
# ([\t\n\f\r ]), since JavaScript's \s is wider.
_email_pattern := concat("", [
	`^[^\t\n\f\r ,;<>\\]+@`,
	`([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)\.?$`,
])

_email_domain(address) := domain if {
	is_string(address)
	lowered := lower(address)
	domain := regex.replace(lowered, _email_pattern, "$1")
	domain != lowered
}

# A fully qualified name may end in a dot; it names the same domain.
_normalize_domain(domain) := trim_suffix(lower(domain), ".")
