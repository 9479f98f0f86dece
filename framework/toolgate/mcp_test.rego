package toolgate_test

_mcp_config := {
	"version": 1,
	"tools": {"get_customer": {"effect": "allow"}, "update_customer": {"effect": "allow"}},
	"mcp_servers": {
		"crm": {"tools": {
			"get_customer": {"effect": "allow"},
			"update_customer": {"effect": "require_approval", "approval": {"timeout_seconds": 600}},
			"delete_customer": {"effect": "deny", "reason": "Customers are never deleted through MCP."},
			"export_all": {"effect": "deny"},
		}},
		"empty": {},
	},
	"assistants": {
		"asst_admin": {"mcp_servers": {
			"crm": {"tools": {"update_customer": {"effect": "allow"}}},
			"admin_only": {"tools": {"rotate_keys": {"effect": "allow"}}},
		}},
		"asst_readonly": {"mcp_servers": {"crm": {"tools": {"get_customer": {"effect": "deny", "reason": "Read-only."}}}}},
	},
}

# Its own helper: `policy test --run` compiles a test with the helpers of its file.
_mcp_codes(d) := [r.code | some r in d.reasons]

_mcp_input(assistant, label, tool, args) := {
	"version": 1,
	"surface": "responses",
	"assistant_id": assistant,
	"call_id": "mcpr_1",
	"tool": {"name": tool, "type": "mcp", "server_label": label},
	"arguments": args,
	"constraints": {},
	"context": {},
}

test_mcp_tool_on_named_server_allowed if {
	d := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "get_customer", {"customer_id": "c-1"})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	d == {"effect": "allow", "reasons": []}
}

# The local function get_customer is allowed; the same name on another server is not.
test_mcp_borrowed_function_name_denied if {
	d := data.toolgate.decision with input as _mcp_input("asst_x", "untrusted-third-party", "get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	d.reasons == [{
		"code": "mcp_server_not_allowed",
		"message": "MCP server untrusted-third-party is not allowed for assistant asst_x",
	}]
}

test_mcp_server_label_matched_exactly if {
	dec_1 := data.toolgate.decision with input as _mcp_input("asst_x", "CRM", "get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_1) == ["mcp_server_not_allowed"]
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_x", "crm ", "get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_2) == ["mcp_server_not_allowed"]
	dec_3 := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "Get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_3) == ["mcp_tool_not_allowed"]
}

test_mcp_unlisted_tool_on_named_server_denied if {
	dec_1 := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "merge_customers", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_1.reasons == [{
		"code": "mcp_tool_not_allowed",
		"message": "MCP tool merge_customers on server crm is not allowed for assistant asst_x",
	}]
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_x", "empty", "anything", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_2) == ["mcp_tool_not_allowed"]
}

# The tools section names functions only: update_customer is an allowed function, not an allowed MCP tool.
test_mcp_local_tools_section_ignored if {
	d := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "update_customer", {})
		with data.toolgate.config as {"version": 1, "tools": {"update_customer": {"effect": "allow"}}, "mcp_servers": {"crm": {}}}
		with data.toolgate.rules as {}
	_mcp_codes(d) == ["mcp_tool_not_allowed"]
}

# And a function call never reads mcp_servers.
test_function_call_ignores_mcp_servers if {
	d := data.toolgate.decision with input as object.union(
		_mcp_input("asst_admin", "admin_only", "rotate_keys", {}),
		{"surface": "chat", "tool": {"name": "rotate_keys", "type": "function", "server_label": null}},
	)
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(d) == ["tool_not_allowed"]
}

test_mcp_require_approval if {
	d := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "update_customer", {"customer_id": "c-1"})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	d.effect == "require_approval"
	d.reasons == [{"code": "tool_requires_approval", "message": "every call of MCP tool update_customer on server crm needs approval"}]
	d.approval == {
		"timeout_seconds": 600,
		"summary": "MCP tool update_customer on server crm for assistant asst_x: every call of MCP tool update_customer on server crm needs approval",
	}
}

test_mcp_deny_uses_reason if {
	dec_1 := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "delete_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_1.reasons == [{"code": "tool_denied", "message": "Customers are never deleted through MCP."}]
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_x", "crm", "export_all", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_2.reasons == [{"code": "tool_denied", "message": "tool export_all is denied by policy"}]
}

test_mcp_assistant_overrides if {
	dec_1 := data.toolgate.decision with input as _mcp_input("asst_admin", "crm", "update_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_1.effect == "allow"
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_readonly", "crm", "get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_2.reasons == [{"code": "tool_denied", "message": "Read-only."}]
}

# A server only one assistant names is named for that assistant alone.
test_mcp_assistant_named_server if {
	dec_1 := data.toolgate.decision with input as _mcp_input("asst_admin", "admin_only", "rotate_keys", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	dec_1.effect == "allow"
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_x", "admin_only", "rotate_keys", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_2) == ["mcp_server_not_allowed"]
}

test_mcp_constraints_apply if {
	d := data.toolgate.decision with input as object.union(
		_mcp_input("asst_x", "crm", "get_customer", {"customer_id": "c-9"}),
		{"constraints": {"allowed_values": {"customer_id": ["c-1"]}}},
	)
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(d) == ["value_not_allowed"]
}

test_mcp_malformed_reference_denied if {
	dec_1 := data.toolgate.decision with input as object.union(object.remove(_mcp_input("asst_x", "crm", "get_customer", {}), ["tool"]), {"tool": {"name": "get_customer", "type": "mcp"}})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_1) == ["mcp_server_not_allowed"]
	dec_2 := data.toolgate.decision with input as _mcp_input("asst_x", ["crm"], "get_customer", {})
		with data.toolgate.config as _mcp_config
		with data.toolgate.rules as {}
	_mcp_codes(dec_2) == ["mcp_server_not_allowed"]
}
