package toolgate.constraints

# redact_secrets: [fields]; secrets in these top-level string arguments are
# replaced by the rules' replacement ([REDACTED]) in the effective arguments.
# The formats are data (framework/secret_rules.json, at
# data.toolgate.secret_rules): each rule's prefix and suffix are kept, what its
# regex matches is replaced. secret_patterns adds patterns of the user's own,
# RE2 as in opa: the WASM host runs them on RE2JS with Go's meaning (the rules
# themselves run on V8: src/policy/builtins/framework-pattern.ts).

_redaction_configured if "redact_secrets" in object.keys(input.constraints)

# The rules as the gate's compiler checked them (src/policy/secret-rules.ts),
# with their combined pattern built by the compiler (combinedSecretPattern):
# anything else here means the bundle was built without usable rules. Checking
# them walks every rule, so the rules below that use them come after the
# `some field in input.constraints.redact_secrets` that a tool without
# redact_secrets stops at.
_secret_rules := rules if {
	rules := data.toolgate.secret_rules.rules
	is_array(rules)
	count(rules) > 0
	every rule in rules {
		is_string(rule.regex)
		is_array(rule.keywords)
	}
	is_string(data.toolgate.secret_rules.replacement)
	is_string(data.toolgate.secret_rules.combined.pattern)
	is_string(data.toolgate.secret_rules.combined.substitution)
}

deny contains {
	"code": "secret_rules_missing",
	"message": "redact_secrets is configured but the bundle has no usable secret rules (data.toolgate.secret_rules); rebuild it with `policy build`",
} if {
	_redaction_configured
	not _secret_rules
}

# The rules as one alternation (rule i keeps its prefix and suffix as groups
# 2i+1 and 2i+2, which the substitution puts back). The user's patterns come
# last, and no group of theirs is named in the substitution, so groups inside
# them shift nothing.
_custom_secret_patterns := [concat("", ["(?:", p, ")"]) |
	some p in object.get(input.constraints, "secret_patterns", [])
]

# Without custom patterns, the pattern in data as it is (the host reads a
# string from data once per instance, one built per evaluation every time).
_secret_pattern := data.toolgate.secret_rules.combined.pattern if {
	_secret_rules
	count(_custom_secret_patterns) == 0
} else := concat("|", array.concat([data.toolgate.secret_rules.combined.pattern], _custom_secret_patterns)) if _secret_rules

_secret_replacement := data.toolgate.secret_rules.combined.substitution

# One replace doubles as the search: a text with no secret comes back
# unchanged. It runs in the JS host with a cached RegExp (far cheaper per call
# than the WASM target's regex builtins, which recompile on every evaluation);
# computed once per field, so sanitize and the failure check share it. Every
# text goes to the host: a string crosses the boundary without a copy through
# JSON (src/policy/wasm-instance.ts), so one pass of the pattern there costs
# less than searching for every rule's keyword in Rego.
_redacted[field] := regex.replace(text, _secret_pattern, _secret_replacement) if {
	some field in input.constraints.redact_secrets
	text := input.arguments[field]
	is_string(text)
}

sanitize contains {
	"code": "secret_redacted",
	"message": sprintf("secrets in %s replaced by %s", [field, data.toolgate.secret_rules.replacement]),
	"field": field,
	"value": redacted,
} if {
	some field, redacted in _redacted
	redacted != input.arguments[field]
}

# A replace that fails (a custom pattern RE2 rejects) must not
# let the text through unredacted.
deny contains {
	"code": "secret_redaction_failed",
	"message": sprintf("secrets in %s could not be redacted (check secret_patterns)", [field]),
} if {
	some field in input.constraints.redact_secrets
	_secret_rules
	is_string(input.arguments[field])
	not _redacted[field]
}

# Only string arguments are rewritten: a listed argument of another type (a
# list, an object) that holds a secret, or cannot be searched, is denied
# rather than passed on with the secret in it.
deny contains {
	"code": "secret_in_structured_argument",
	"message": sprintf("argument %s is not a string and holds what looks like a secret; redact_secrets rewrites string arguments only", [field]),
} if {
	some field in input.constraints.redact_secrets
	_secret_rules
	value := input.arguments[field]
	not is_string(value)

	# the value's text as OPA's Go evaluator prints it (constraints.rego, _text)
	text := sprintf("%v", [value])
	_holds_secret(text)
}

_holds_secret(text) if regex.replace(text, _secret_pattern, _secret_replacement) != text

_holds_secret(text) if not _searchable(text)

_searchable(text) if regex.replace(text, _secret_pattern, _secret_replacement)
