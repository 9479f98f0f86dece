# METADATA
# title: toolgate decision
# description: |
#   Combines the tool's configured effect (data.toolgate.config), the built-in
#   constraint checks (package toolgate.constraints) and the user's custom rules
#   (package toolgate.rules) into the one decision document the gate applies.
#   Precedence: deny > require_approval > sanitize > allow; deny by default.
package toolgate

import data.toolgate.constraints

# The decision carries arguments only when the policy rewrote them (sanitize,
# and require_approval, whose approver sees the effective ones): on allow and
# deny the host already holds the arguments, and echoing them back would make
# every call pay for writing them out of WASM and parsing them again.

# Fails closed when the input is too malformed to decide on (e.g. no arguments).
default decision := {
	"effect": "deny",
	"reasons": [{"code": "invalid_input", "message": "the input document is malformed; the call was denied"}],
}

decision := {
	"effect": "deny",
	"reasons": sort(deny_reasons),
} if {
	count(deny_reasons) > 0
	is_object(input.arguments)
} else := {
	"effect": "require_approval",
	"reasons": sort(approval_reasons),
	"arguments": _effective_arguments,
	"approval": _approval,
} if {
	count(approval_reasons) > 0
} else := {
	"effect": "sanitize",
	"reasons": sort(sanitize_reasons),
	"arguments": _effective_arguments,
} if {
	count(_sanitizations) > 0
} else := {
	"effect": "allow",
	"reasons": [],
} if {
	# No deny reason means the tool's effect is allow; arguments must still be an object.
	is_object(input.arguments)
}

deny_reasons := (((_base_deny | _reasons(constraints.deny)) | _reasons(_valid_custom("deny"))) | _rule_errors) | _sanitize_conflicts

approval_reasons := (_base_approval | _reasons(constraints.require_approval)) | _reasons(_valid_custom("require_approval"))

sanitize_reasons := _reasons(_sanitizations)

# Strings used in messages; defaults keep the deny messages defined even for odd input.
default _tool_name := "(unnamed)"

_tool_name := input.tool.name if is_string(input.tool.name)

default _assistant_id := "(unknown)"

_assistant_id := input.assistant_id if is_string(input.assistant_id)

# A function tool's entries; a hosted MCP tool's are in mcp.rego. Any other
# tool type has no entry, so it is denied.
_is_function if input.tool.type == "function"

_default_entry := data.toolgate.config.tools[input.tool.name] if _is_function

_assistant_entry := data.toolgate.config.assistants[input.assistant_id].tools[input.tool.name] if _is_function

# The assistant's entry for the tool overrides the tool's own entry as a whole,
# so the effect and its reason always come from the same place.
_configured := entry if {
	entry := _assistant_entry
	entry.effect
} else := entry if {
	entry := _default_entry
	entry.effect
}

# MCP calls have their own not-allowed codes (mcp.rego).
_base_deny contains {
	"code": "tool_not_allowed",
	"message": sprintf("tool %s is not allowed for assistant %s", [_tool_name, _assistant_id]),
} if {
	not _is_mcp
	not _allowed
	not _denied
	not _requires_approval
}

_base_deny contains {"code": "tool_denied", "message": _denied_message} if _denied

# Helper rules rather than `not _configured.effect in {...}`: OPA hoists the
# ref out of such a negation, which then fails instead of succeeding when
# nothing is configured.
_allowed if _configured.effect == "allow"

_denied if _configured.effect == "deny"

# effect: require_approval holds every call of the tool for a human; constraints
# and custom rules still apply (a deny among them wins, deny > require_approval).
_requires_approval if _configured.effect == "require_approval"

_base_approval contains {"code": "tool_requires_approval", "message": _approval_message} if _requires_approval

_approval_message := _configured.reason if {
	is_string(_configured.reason)
} else := sprintf("every call of %s needs approval", [_tool_display])

_denied_message := _configured.reason if {
	is_string(_configured.reason)
} else := sprintf("tool %s is denied by policy", [_tool_name])

# Custom rules live in package toolgate.rules; an absent package or rule contributes nothing.
_custom_outputs := {kind: data.toolgate.rules[kind] | some kind in {"deny", "require_approval", "sanitize"}}

_custom(kind) := object.get(_custom_outputs, kind, set())

_valid_custom(kind) := {r |
	some r in _custom(kind)
	_valid_reason(r)
}

# Only {code, message} reach the decision, so extra fields in custom output stay internal.
_reasons(entries) := {{"code": e.code, "message": e.message} | some e in entries}

_valid_reason(r) if {
	is_string(r.code)
	regex.match(`^[a-z][a-z0-9_]*$`, r.code)
	is_string(r.message)
}

_valid_sanitization(s) if {
	_valid_reason(s)
	is_string(s.field)
	"value" in object.keys(s)
}

# A custom rule whose output the framework cannot use denies the call rather
# than being dropped silently: a broken deny rule must not turn into an allow.
_rule_errors contains {
	"code": "invalid_rule_output",
	"message": sprintf("custom rule output toolgate.rules.%s must be a set", [kind]),
} if {
	some kind, output in _custom_outputs
	not is_set(output)
}

_rule_errors contains {
	"code": "invalid_rule_output",
	"message": sprintf("custom rule toolgate.rules.%s produced %v; expected {code, message} with a snake_case code", [kind, r]),
} if {
	some kind in {"deny", "require_approval"}
	some r in _custom(kind)
	not _valid_reason(r)
}

_rule_errors contains {
	"code": "invalid_rule_output",
	"message": sprintf("custom rule toolgate.rules.sanitize produced %v; expected {code, message, field, value}", [s]),
} if {
	some s in _custom("sanitize")
	not _valid_sanitization(s)
}

_sanitizations := constraints.sanitize | {s |
	some s in _custom("sanitize")
	_valid_sanitization(s)
}

# Two rewrites of one field cannot both be honoured, and picking one could undo the other's redaction.
_conflicting_fields contains a.field if {
	some a in _sanitizations
	some b in _sanitizations
	a.field == b.field
	a.value != b.value
}

_sanitize_conflicts contains {
	"code": "sanitize_conflict",
	"message": sprintf("several sanitize rules rewrote argument %s differently", [field]),
} if {
	some field in _conflicting_fields
}

_effective_arguments := object.union(input.arguments, {s.field: s.value |
	some s in _sanitizations
	not s.field in _conflicting_fields
})

# Approval hints: the config's `approval` settings (assistant entry first), a
# summary for the approver, and which fields were sanitized so the approver
# knows the arguments they see are not the model's originals.
_approval := object.union(_approval_settings, _approval_details)

default _approval_settings := {}

_approval_settings := settings if {
	settings := _assistant_entry.approval
} else := settings if {
	settings := _default_entry.approval
}

_approval_details := {"summary": _approval_summary, "sanitized_fields": sort(_sanitized_fields)} if {
	count(_sanitized_fields) > 0
} else := {"summary": _approval_summary}

_sanitized_fields := {s.field | some s in _sanitizations}

_approval_summary := sprintf("%s for assistant %s: %s", [
	_tool_display,
	_assistant_id,
	concat("; ", [r.message | some r in sort(approval_reasons)]),
])
