// One app instance in its own process (parked-postgres.test.ts): a Gate, a ToolGuard on the shared
// PostgreSQL store, and resumeResponse for every parked run at once. Reports what it resumed and ran.
import OpenAI from "openai";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { resumeResponse } from "../../src/openai/responses.ts";
import { seedTools } from "./harness.ts";

const [bundle, storeUrl, serverUrl, ...ids] = process.argv.slice(2);
// Each decision on an hour of its own: the seed allows 4 email blasts an hour per assistant, and
// this test is about resuming each of its runs once, not about that budget.
let hour = Date.now();
const gate = await Gate.open(bundle!, { tools: await seedTools(), clock: () => (hour += 3 * 3_600_000) });
const store = await openApprovalStore(storeUrl!);
const ran: string[] = [];
const guard = new ToolGuard({
  gate,
  tools: { send_email_blast: (_args, context) => (ran.push(context.call.call_id), { ok: true, tool: "send_email_blast" }) },
  assistantId: "asst_zzz",
  approvalStore: store,
});
const client = new OpenAI({ apiKey: "test", baseURL: `${serverUrl}/v1`, maxRetries: 0 });
const results = await Promise.all(ids.map(async (id) => ({ id, status: (await resumeResponse(client, guard, id)).status })));
await store.close();
await gate.close();
process.send!({ resumed: results.filter((r) => r.status === "resumed").map((r) => r.id), ran }, () => process.exit(0));
