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

deny contains {
	"code": "domain_not_allowed",
	"message": sprintf("%s address %s is not at an allowed domain (%s)", [field, address, concat(", ", sort(_allowed_domains))]),
} if {
	some [field, address] in _addresses
	_email_domain(address)
	not _email_domain(address) in _allowed_domains
}

deny contains {
	"code": "invalid_address",
	"message": sprintf("%s holds %s, which is not a plain email address", [field, json.marshal(address)]),
} if {
	some [field, address] in _addresses
	not _email_domain(address)
}

# Whitespace, commas, semicolons and angle brackets would let one string name
# several recipients or a display name, so only a bare address is accepted.
_email_domain(address) := domain if {
	is_string(address)
	not regex.match(`[\s,;<>\\]`, address)
	parts := split(address, "@")
	count(parts) > 1
	local_part := concat("@", array.slice(parts, 0, count(parts) - 1))
	local_part != ""
	domain := _normalize_domain(parts[count(parts) - 1])
	regex.match(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`, domain)
}

# A fully qualified name may end in a dot; it names the same domain.
_normalize_domain(domain) := trim_suffix(lower(domain), ".")
