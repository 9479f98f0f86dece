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
_address_domains[field] := _domains_of(list) if {
	some field, list in _address_lists
}

# Each rule and the allowed set are bound once, outside the comprehension: a
# rule referenced inside it is looked up again (a memo lookup) per element.
_invalid_addresses[field] := [x | some i, x in list; parsed[i] == ""] if {
	some field, list in _address_lists
	parsed := _address_domains[field]
}

_foreign_addresses[field] := [x |
	some i, x in list
	domain := parsed[i]
	domain != ""
	not domain in allowed
] if {
	some field, list in _address_lists
	parsed := _address_domains[field]
	allowed := _allowed_domains
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
# domain after its one "@" (no quotes, comments, display names, groups, lists,
# routes or second "@"):
# - a dot-atom local part of A-Z a-z 0-9 _ + - and single interior dots, at
#   most 64 characters, first a letter, digit or "_" (a leading "-" reads as an
#   option on a sendmail-style command line; nodemailer refuses it, other tools
#   may not);
# - a domain of LDH labels (1-63 characters, no leading or trailing hyphen), no
#   trailing dot;
# - at most 254 characters in all (the SMTP path limit), so the domain has at
#   most 252.
# Characters are checked before anything is lower-cased (lower() maps some
# non-ASCII letters to ASCII ones): only the parsed domains are.
#
# The whole list is parsed by one host regex.replace (a host call copies its
# arguments out of WASM memory and back, ~10 us for a short string, so a call
# per element would dominate a long list), one value per line. Each
# alternative of the pattern matches exactly one whole line and its newline,
# so a match never spans two values: a line over 254 characters becomes empty,
# a plain address becomes its domain, anything else becomes empty. A value that
# is not a string, holds a newline (it would be two lines) or ".." (never
# plain) is an empty line from the start. The pattern means the same in RE2
# (opa) and JavaScript (the WASM host): explicit classes only. If the result
# does not have one line per value, every value counts as invalid.
_domains_of(list) := domains if {
	text := concat("", [concat("\n", [_address_line(x) | some x in list]), "\n"])
	domains := split(lower(regex.replace(text, _address_line_pattern, "$1\n")), "\n")
	count(domains) == count(list) + 1
} else := ["" | some _ in list]

_address_line(x) := x if {
	is_string(x)
	not contains(x, "\n")
	not contains(x, "..")
} else := ""

# Written out whole: a pattern the policy builds (concat) is a new string on
# every evaluation, which the host must read and look up again, while a
# constant is read once. Its parts (checked by constraints_test.rego): a line
# over 254 characters | a local part "@" (LDH label ("." LDH label)*) | any
# line; then the newline.
_address_line_pattern := `[^\n]{255,}\n|(?:[A-Za-z0-9_](?:[A-Za-z0-9_+.-]{0,62}[A-Za-z0-9_+-])?@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)|[^\n]*)\n`

# A configured domain may be written with a trailing dot; it names the same domain.
_normalize_domain(domain) := trim_suffix(lower(domain), ".")
