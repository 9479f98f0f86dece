package toolgate.constraints

# allowed_domains: every address in address_fields (default to, cc, bcc; each a
# string or a list of strings) must be a plain address at one of these domains,
# compared exactly and case-insensitively, so look-alikes (evil-yourcompany.com,
# yourcompany.com.evil, mail.yourcompany.com) do not pass.
_address_fields := object.get(input.constraints, "address_fields", ["to", "cc", "bcc"])

_allowed_domains := {_normalize_domain(trim_prefix(d, "@")) | some d in input.constraints.allowed_domains}

_address_lists[field] := list if {
	input.constraints.allowed_domains
	some field in _address_fields
	list := _capped_list(input.arguments[field])
}

# Per field, each address's domain (lower-cased), or "" for what is not a plain address.
_address_domains[field] := [_address_domain(a) | some a in list] if {
	some field, list in _address_lists
}

_invalid_addresses[field] := [list[i] | some i, domain in _address_domains[field]; domain == ""] if {
	some field, list in _address_lists
}

_foreign_addresses[field] := [list[i] |
	some i, domain in _address_domains[field]
	domain != ""
	not domain in _allowed_domains
] if {
	some field, list in _address_lists
}

deny contains {
	"code": "domain_not_allowed",
	"message": sprintf("%s (allowed: %s)", [
		_first_of(field, bad, "is not at an allowed domain", "are not at an allowed domain"),
		concat(", ", sort(_allowed_domains)),
	]),
} if {
	some field, bad in _foreign_addresses
	count(bad) > 0
}

deny contains {
	"code": "invalid_address",
	"message": _first_of(field, bad, "is not a plain email address", "are not plain email addresses"),
} if {
	some field, bad in _invalid_addresses
	count(bad) > 0
}

# A plain address is what every mail library reads as one recipient at the
# domain after its one "@": a dot-atom local part of A-Z a-z 0-9 _ + - (no
# quotes, comments, display names, groups, lists, routes or second "@") and a
# domain of LDH labels (1-63 characters, no leading or trailing hyphen, at most
# 253 in all, no trailing dot). Characters are checked before anything is
# lower-cased (lower() maps some non-ASCII letters to ASCII ones). Native
# string builtins only: no host call, linear in the address.
_address_domain(address) := lower(parts[1]) if {
	is_string(address)
	count(address) <= 318
	parts := split(address, "@")
	count(parts) == 2
	_plain_local_part(parts[0])
	_ldh_domain(parts[1])
} else := ""

_letters_digits := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# trim(s, set) == "" holds when every character of s is in set.
_plain_local_part(local) if {
	count(local) > 0
	count(local) <= 64
	trim(local, concat("", [_letters_digits, "_+-."])) == ""
	not startswith(local, ".")
	not endswith(local, ".")
	not contains(local, "..")
}

_ldh_domain(domain) if {
	count(domain) <= 253
	trim(domain, concat("", [_letters_digits, "-."])) == ""
	every label in split(domain, ".") {
		_ldh_label(label)
	}
}

_ldh_label(label) if {
	count(label) > 0
	count(label) <= 63
	not startswith(label, "-")
	not endswith(label, "-")
}

# A configured domain may be written with a trailing dot; it names the same domain.
_normalize_domain(domain) := trim_suffix(lower(domain), ".")
