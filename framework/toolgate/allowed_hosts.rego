package toolgate.constraints

# allowed_hosts: every URL in url_fields (default url; a string or a list of
# strings) must be an absolute http(s) URL whose host, as a WHATWG URL parser
# (fetch, new URL) reads it, is exactly one of these (case-insensitive).
_url_fields := object.get(input.constraints, "url_fields", ["url"])

_allowed_hosts := {_normalize_host(h) | some h in input.constraints.allowed_hosts}

_url_lists[field] := list if {
	input.constraints.allowed_hosts
	some field in _url_fields
	list := _capped_list(input.arguments[field])
}

# Per field, each URL's host (lower-cased, IPv6 without brackets), or "" for what does not parse.
_url_host_lists[field] := [_url_host(u) | some u in list] if {
	some field, list in _url_lists
}

_invalid_urls[field] := [list[i] | some i, host in _url_host_lists[field]; host == ""] if {
	some field, list in _url_lists
}

_foreign_urls[field] := [list[i] |
	some i, host in _url_host_lists[field]
	host != ""
	not host in _allowed_hosts
] if {
	some field, list in _url_lists
}

deny contains {
	"code": "host_not_allowed",
	"message": sprintf("%s (allowed hosts: %s)", [
		_first_of(field, bad, "is not at an allowed host", "are not at an allowed host"),
		concat(", ", sort(_allowed_hosts)),
	]),
} if {
	some field, bad in _foreign_urls
	count(bad) > 0
}

deny contains {
	"code": "invalid_url",
	"message": _first_of(field, bad, "is not an absolute http(s) URL with a plain host", "are not absolute http(s) URLs with a plain host"),
} if {
	some field, bad in _invalid_urls
	count(bad) > 0
}

# Only a subset of URL syntax is accepted, one on which the host found here is
# the host a WHATWG parser connects to. Refused anywhere in the URL: control
# characters, spaces (WHATWG drops tabs and newlines, and trims the rest),
# DEL and backslash (WHATWG reads "\" as "/"). The host is ASCII letters,
# digits, "." and "-" (no percent-encoding, no IDN: write punycode) or a
# bracketed IPv6 address; userinfo up to the last "@" of the authority is
# skipped, as WHATWG does. The port, if any, is at most 65535.
#
# One pattern does the parse: regex.replace (a host builtin with a cached
# pattern, unlike the WASM target's regex builtins, which recompile theirs on
# every evaluation) turns a URL that matches into "host port"; one that does
# not comes back unchanged, and a URL (it has "://") never equals that. The
# pattern means the same in RE2 (opa) and JavaScript (the WASM host): explicit
# classes only, no "." and no "\s", which differ between them.
_url_pattern := concat("", [
	`^[Hh][Tt][Tt][Pp][Ss]?://`,
	`(?:[^/?#\x00-\x20\x7f\\]*@)?`,
	`(?:([A-Za-z0-9.-]+)|\[([0-9A-Fa-f:.]+)\])`,
	`(?::([0-9]*))?`,
	`(?:[/?#][^\x00-\x20\x7f\\]*)?$`,
])

_url_host(url) := host if {
	is_string(url)
	parsed := regex.replace(url, _url_pattern, "$1$2 $3")
	parsed != url
	parts := split(parsed, " ")
	_valid_port(parts[1])
	_whatwg_host(parts[0])
	host := lower(parts[0])
} else := ""

_valid_port("")

# WHATWG allows leading zeros in a port; what remains must be at most 65535.
_valid_port(port) if {
	digits := trim_left(port, "0")
	count(digits) <= 5
	to_number(concat("", ["0", digits])) <= 65535
}

# WHATWG reads a host whose last label is a number (all digits, or 0x and hex
# digits) as IPv4, in decimal, octal or hex, 1 to 4 parts (0x7f.1, 2130706433,
# 127.1 are all 127.0.0.1), with or without a trailing dot. Only the canonical
# dotted quad, which WHATWG leaves as written, is accepted; other numeric forms
# are refused. A name keeps its text (lower-cased), trailing dot included.
_whatwg_host(host) if {
	not _ends_in_number(host)
	host != "."
}

_whatwg_host(host) if {
	_ends_in_number(host)
	octets := split(host, ".")
	count(octets) == 4
	every octet in octets {
		_canonical_octet(octet)
	}
}

# An IPv6 address (matched without brackets) has a ":" and is left to the allowlist.
_whatwg_host(host) if contains(host, ":")

_ends_in_number(host) if {
	labels := split(trim_suffix(host, "."), ".")
	last := labels[count(labels) - 1]
	_numeric_label(last)
}

_numeric_label(label) if {
	label != ""
	trim(label, "0123456789") == ""
}

_numeric_label(label) if {
	lower(substring(label, 0, 2)) == "0x"
	trim(substring(label, 2, -1), "0123456789abcdefABCDEF") == ""
}

_canonical_octet(octet) if {
	count(octet) > 0
	count(octet) <= 3
	trim(octet, "0123456789") == ""
	_no_leading_zero(octet)
	to_number(octet) <= 255
}

_no_leading_zero("0")

_no_leading_zero(octet) if not startswith(octet, "0")

# IPv6 hosts are compared without brackets, so "[::1]" and "::1" both work in the config.
_normalize_host(host) := lower(trim_suffix(trim_prefix(host, "["), "]"))
