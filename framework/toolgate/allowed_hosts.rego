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

# Per field, each URL's host (lower-cased, IPv6 in brackets), or "" for what does not parse.
_url_hosts[field] := _hosts_of(list) if {
	some field, list in _url_lists
}

# Each rule and the allowed set are bound once, outside the comprehension: a
# rule referenced inside it is looked up again (a memo lookup) per element.
_invalid_urls[field] := [x | some i, x in list; parsed[i] == ""] if {
	some field, list in _url_lists
	parsed := _url_hosts[field]
}

_foreign_urls[field] := [x |
	some i, x in list
	host := parsed[i]
	host != ""
	not host in allowed
] if {
	some field, list in _url_lists
	parsed := _url_hosts[field]
	allowed := _allowed_hosts
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
# skipped, as WHATWG does. A port (leading zeros allowed) is at most 65535.
# WHATWG reads a host whose last label is a number (all digits, or 0x and hex
# digits) as IPv4, in decimal, octal or hex, 1 to 4 parts (0x7f.1, 2130706433
# and 127.1 are all 127.0.0.1), trailing dot or not: only the canonical dotted
# quad, which WHATWG leaves as written, is accepted. A name keeps its text,
# trailing dot included (a different Host header than the name without it).
#
# The whole list is parsed by one host regex.replace (a host call per element
# would dominate a long list), one value per line; each alternative of the
# pattern matches exactly one whole line and its newline, so a match never
# spans two values. An accepted URL becomes its host, anything else an empty
# line. The host alternatives, in order: a canonical dotted quad; a host ending
# in a number (dropped: the line becomes empty); any other name; a bracketed
# IPv6 address. Since the character after a host can never be a host
# character, each alternative sees the same whole host. A value that is not a
# string or holds a newline is an empty line from the start. The pattern means
# the same in RE2 (opa) and JavaScript (the WASM host): explicit classes only,
# no "." and no "\s". If the result does not have one line per value, every
# value counts as invalid.
_hosts_of(list) := hosts if {
	text := concat("", [concat("\n", [_url_line(x) | some x in list]), "\n"])
	hosts := split(lower(regex.replace(text, _url_line_pattern, "$1$3$4\n")), "\n")
	count(hosts) == count(list) + 1
} else := ["" | some _ in list]

_url_line(x) := x if {
	is_string(x)
	not contains(x, "\n")
} else := ""

# Written out whole, as _address_line_pattern (allowed_domains.rego) is. Its
# parts (checked by constraints_test.rego): http(s):// and userinfo, then the
# host alternatives (a dotted quad of octets 0-255; a name ending in a number;
# any other name; a bracketed IPv6 address), a port 0-65535, the rest of the
# URL | any line; then the newline.
_url_line_pattern := `(?:[Hh][Tt][Tt][Pp][Ss]?://(?:[^/?#\x00-\x20\x7f\\]*@)?(?:((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})|((?:[A-Za-z0-9-]*\.)*(?:[0-9]+|0[xX][0-9A-Fa-f]*)\.?)|([A-Za-z0-9.-]+)|(\[[0-9A-Fa-f:.]+\]))(?::0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])?)?(?:[/?#][^\x00-\x20\x7f\\]*)?|[^\n]*)\n`

# IPv6 hosts are compared in brackets, so "[::1]" and "::1" both work in the config.
_normalize_host(host) := concat("", ["[", trim_suffix(trim_prefix(lower(host), "["), "]"), "]"]) if {
	contains(host, ":")
} else := lower(host)
