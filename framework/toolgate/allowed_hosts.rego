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

deny contains {
	"code": "host_not_allowed",
	"message": sprintf("%s host %s is not one of the allowed hosts (%s)", [field, _url_host(url), concat(", ", sort(_allowed_hosts))]),
} if {
	some [field, url] in _urls
	_url_host(url)
	not _url_host(url) in _allowed_hosts
}

deny contains {
	"code": "invalid_url",
	"message": sprintf("%s holds %s, which is not an absolute http(s) URL with a host", [field, json.marshal(url)]),
} if {
	some [field, url] in _urls
	not _url_host(url)
}

# Backslashes, whitespace and control characters are refused rather than
# interpreted: parsers disagree on them (WHATWG reads "\" as "/"), and a
# disagreement between this check and the HTTP client is an allowlist bypass.
# Host characters are restricted for the same reason (no percent-encoding, no IDN).
_url_host(url) := host if {
	is_string(url)
	not regex.match(`[\x00-\x20\x7f\\]`, url)
	match := regex.find_all_string_submatch_n(`^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)`, url, 1)[0]
	lower(match[1]) in {"http", "https"}
	authority := split(match[2], "@")
	host := _authority_host(authority[count(authority) - 1])
	host != ""
}

_authority_host(host_port) := _normalize_host(match[1]) if {
	match := regex.find_all_string_submatch_n(`^([A-Za-z0-9.-]+)(?::[0-9]*)?$`, host_port, 1)[0]
} else := _normalize_host(match[1]) if {
	match := regex.find_all_string_submatch_n(`^\[([0-9A-Fa-f:.]+)\](?::[0-9]*)?$`, host_port, 1)[0]
}

# IPv6 hosts are compared without brackets, so "[::1]" and "::1" both work in the config.
_normalize_host(host) := trim_suffix(lower(trim_suffix(trim_prefix(host, "["), "]")), ".")
