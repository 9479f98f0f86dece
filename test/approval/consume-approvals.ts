// A separate process consuming approvals (the SQLite and PostgreSQL store tests): reports the ids it won.
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";

const [location, ...ids] = process.argv.slice(2);
const store = await openApprovalStore(location!);
const won: string[] = [];
for (const id of ids) if (await store.consume(id)) won.push(id);
await store.close();
process.send!(won, () => process.exit(0));
