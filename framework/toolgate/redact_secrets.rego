package toolgate.constraints

# redact_secrets: [fields]; secrets in these top-level string arguments are
# replaced by [REDACTED] in the effective arguments. secret_patterns replaces
# the built-in patterns; they must mean the same in RE2 (opa) and JavaScript
# (the WASM host), so keep to plain classes, repetitions and \b.
_default_secret_patterns := [
	`\bsk-[A-Za-z0-9_-]{16,}`, # OpenAI-style API keys, incl. sk-proj-...
	`\bxox[abposr]-[A-Za-z0-9-]{10,}`, # Slack tokens
	`\bAKIA[0-9A-Z]{16}\b`, # AWS access key ids
]

# One alternation, replaced in one pass: leftmost matches win, so overlapping
# patterns cannot leave part of a secret behind.
_secret_pattern := concat("|", [concat("", ["(?:", p, ")"]) |
	some p in object.get(input.constraints, "secret_patterns", _default_secret_patterns)
])

# One replace doubles as the search: a text with no secret comes back unchanged.
# (It runs in the JS host with a cached RegExp, far cheaper per call than the
# WASM target's regex builtins, which recompile the pattern on every evaluation.)
sanitize contains {
	"code": "secret_redacted",
	"message": sprintf("secrets in %s replaced by [REDACTED]", [field]),
	"field": field,
	"value": redacted,
} if {
	some field in input.constraints.redact_secrets
	text := input.arguments[field]
	is_string(text)
	redacted := regex.replace(text, _secret_pattern, "[REDACTED]")
	redacted != text
}
