# Hosted MCP tools: the MCP branch of the decision. A hosted MCP tool (input.tool.type "mcp")
# is named by its server's label and its own name together, matched exactly:
# only data.toolgate.config.mcp_servers[label].tools[name] (or the
# assistant's mcp_servers override) configures it, never the function tools'
# `tools` section, so a remote server cannot borrow a local function's name.
package toolgate

_is_mcp if input.tool.type == "mcp"

default _server_label := "(none)"

_server_label := input.tool.server_label if is_string(input.tool.server_label)

# How the approver's summary names the tool: an MCP tool with its server.
_tool_display := sprintf("MCP tool %s on server %s", [_tool_name, _server_label]) if _is_mcp

_tool_display := _tool_name if not _is_mcp

_default_entry := data.toolgate.config.mcp_servers[input.tool.server_label].tools[input.tool.name] if _is_mcp

_assistant_entry := data.toolgate.config.assistants[input.assistant_id].mcp_servers[input.tool.server_label].tools[input.tool.name] if _is_mcp

# A server is named by the config or by the calling assistant's overrides.
_mcp_server_named if is_object(data.toolgate.config.mcp_servers[input.tool.server_label])

_mcp_server_named if is_object(data.toolgate.config.assistants[input.assistant_id].mcp_servers[input.tool.server_label])

_base_deny contains {
	"code": "mcp_server_not_allowed",
	"message": sprintf("MCP server %s is not allowed for assistant %s", [_server_label, _assistant_id]),
} if {
	_is_mcp
	not _mcp_server_named
}

_base_deny contains {
	"code": "mcp_tool_not_allowed",
	"message": sprintf("MCP tool %s on server %s is not allowed for assistant %s", [_tool_name, _server_label, _assistant_id]),
} if {
	_is_mcp
	_mcp_server_named
	not _allowed
	not _denied
	not _requires_approval
}
