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
_secret_pattern := concat("|", [sprintf("(?:%s)", [p]) |
	some p in object.get(input.constraints, "secret_patterns", _default_secret_patterns)
])

sanitize contains {
	"code": "secret_redacted",
	"message": sprintf("%v secret(s) in %s replaced by [REDACTED]", [count(found), field]),
	"field": field,
	"value": regex.replace(text, _secret_pattern, "[REDACTED]"),
} if {
	some field in input.constraints.redact_secrets
	text := input.arguments[field]
	is_string(text)
	found := regex.find_all_string_submatch_n(_secret_pattern, text, -1)
	count(found) > 0
}
