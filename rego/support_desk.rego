# METADATA
# title: support-desk custom rules
# description: Rules the declarative toolgate.yaml cannot express.
package toolgate.rules

# An email to many people at once is a mass mailing, which a person signs off
# (send_email_blast covers the planned ones). Recipients are counted over to,
# cc and bcc as listed, duplicates included: counting too many only asks for
# an approval, counting too few would skip one.
_max_recipients_without_approval := 10

require_approval contains {
	"code": "many_recipients",
	"message": sprintf("the email goes to %d recipients; more than %d needs approval", [_recipient_count, _max_recipients_without_approval]),
} if {
	input.tool.name == "send_email"
	_recipient_count > _max_recipients_without_approval
}

_recipient_count := sum([n |
	some field in ["to", "cc", "bcc"]
	n := _addresses_in(input.arguments, field)
])

_addresses_in(arguments, field) := count(arguments[field]) if {
	is_array(arguments[field])
} else := 1 if {
	is_string(arguments[field])
} else := 0
