package toolgate.constraints

# allowed_hosts: every URL in url_fields (default url; a string or a list of
# strings) must be http(s) and its host one of these, exactly (case-insensitive,
# trailing dot ignored). The host is parsed the way WHATWG URL parsers find it:
# userinfo before the last "@" is skipped, ports and IPv6 brackets are removed.
_url_fields := object.get(input.constraints, "url_fields", ["url"])

_allowed_hosts := {_normalize_host(h) | some h in input.constraints.allowed_hosts}

_urls contains [field, url] if {
	input.constraints.allowed_hosts
	some field in _url_fields
	some url in _as_list(input.arguments[field])
}

# Each URL is parsed once per evaluation (a function call is not cached, a rule is).
_url_hosts[url] := host if {
	some [_, url] in _urls
	host := _url_host(url)
}

deny contains {
	"code": "host_not_allowed",
	"message": sprintf("%s host %s is not one of the allowed hosts (%s)", [field, host, concat(", ", sort(_allowed_hosts))]),
} if {
	some [field, url] in _urls
	host := _url_hosts[url]
	not host in _allowed_hosts
}

deny contains {
	"code": "invalid_url",
	"message": sprintf("%s holds %s, which is not an absolute http(s) URL with a host", [field, json.marshal(url)]),
} if {
	some [field, url] in _urls
	not _url_hosts[url]
}

# Backslashes, whitespace and control characters are refused rather than
# interpreted: parsers disagree on them (WHATWG reads "\" as "/"), and a
# disagreement between this check and the HTTP client is an allowlist bypass.
# Host characters are restricted for the same reason (no percent-encoding, no IDN).
#
# One pattern does the whole parse: scheme http(s), optional userinfo up to the
# last "@" of the authority, a host name or a bracketed IPv6 address, an
# optional port, then nothing or a path/query/fragment; no character anywhere
# is a control character, space, DEL or backslash. regex.replace (a host
# builtin with a cached pattern, unlike the WASM target's regex builtins, which
# recompile theirs on every evaluation) turns a URL that matches into its host;
# one that does not comes back unchanged, and a URL (it has "://") never equals
# a host. The pattern means the same in RE2 (opa) and JavaScript (the WASM
# host): explicit classes only, no "." and no "\s", which differ between them.
_url_pattern := concat("", [
	`^[Hh][Tt][Tt][Pp][Ss]?://`,
	`(?:[^/?#\x00-\x20\x7f\\]*@)?`,
	`(?:([A-Za-z0-9.-]+)|\[([0-9A-Fa-f:.]+)\])`,
	`(?::[0-9]*)?`,
	`(?:[/?#][^\x00-\x20\x7f\\]*)?$`,
])

_url_host(url) := host if {
	is_string(url)
	raw := regex.replace(url, _url_pattern, "$1$2")
	raw != url
	host := _normalize_host(raw)
	host != ""
}

# IPv6 hosts are compared without brackets, so "[::1]" and "::1" both work in the config.
_normalize_host(host) := trim_suffix(lower(trim_suffix(trim_prefix(host, "["), "]")), ".")
