# METADATA
# title: toolgate test helpers
# description: |
#   For Rego unit tests of a policy: the input document the gate would build
#   for a call, constraints resolved from toolgate.yaml (data.toolgate.config)
#   the way the gate resolves them (src/gate/resolve-constraints.ts).
#   Usage: data.toolgate.decision with input as data.toolgate.testing.input_for("asst_1", "refund_order", {"amount": 900})
#   A `with` value is evaluated outside the `with`: a test that mocks
#   data.toolgate.config builds the input under the same mock first.
package toolgate.testing

# The input document of a call by assistant_id to tool_name with these (parsed) arguments.
input_for(assistant_id, tool_name, arguments) := {
	"version": 1,
	"surface": "cli",
	"assistant_id": assistant_id,
	"call_id": "test",
	"tool": {"name": tool_name, "type": "function"},
	"arguments": arguments,
	"constraints": constraints_for(assistant_id, tool_name),
	"context": {},
}

# The tool's constraints overlaid key by key with the assistant's; an override of null removes a constraint.
constraints_for(assistant_id, tool_name) := {name: value |
	some name, value in object.union(_tool_constraints(tool_name), _assistant_constraints(assistant_id, tool_name))
	value != null
}

_tool_constraints(tool_name) := object.get(_config, ["tools", tool_name, "constraints"], {})

_assistant_constraints(assistant_id, tool_name) := object.get(_config, ["assistants", assistant_id, "tools", tool_name, "constraints"], {})

# Without a toolgate.yaml (e.g. plain `opa test` of the Rego alone) no constraints apply.
default _config := {}

_config := data.toolgate.config
