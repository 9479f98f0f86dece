// A separate process consuming approvals (sqlite-approval-store.test.ts): reports the ids it won.
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";

const [file, ...ids] = process.argv.slice(2);
const store = await SqliteApprovalStore.open(file!);
const won: string[] = [];
for (const id of ids) if (await store.consume(id)) won.push(id);
await store.close();
process.send!(won, () => process.exit(0));
