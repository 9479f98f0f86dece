// One app instance in its own process, for test/budget/race-suite.ts: a Gate on
// the race bundle and the shared budget store, deciding `calls` spend calls
// (`concurrency` at a time) and reporting what it let through.
// argv: bundlePath storeLocation calls concurrency mode(run|die)
import { readFile } from "node:fs/promises";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";

const [bundlePath, location, callsText, concurrencyText, mode] = process.argv.slice(2) as [string, string, string, string, string];
const tools = JSON.parse(await readFile(new URL("./race-tools.json", import.meta.url), "utf8")) as ToolDeclaration[];
const store = await openBudgetStore(location);
const gate = new Gate(await PolicyEngine.open(bundlePath), { tools, budgets: store });

const report = { allowed: 0, settled: 0, settledAmount: 0, released: 0, denied: {} as Record<string, number> };
let next = 0;
const total = Number(callsText);

async function one(i: number): Promise<void> {
  const amount = 1 + (i % 3);
  const decision = await gate.decide({ surface: "chat", assistant_id: "asst_race", call_id: `${process.pid}-${i}`, name: "spend", arguments: JSON.stringify({ amount }) });
  if (decision.effect !== "allow") {
    for (const r of decision.reasons) report.denied[r.code] = (report.denied[r.code] ?? 0) + 1;
    return;
  }
  report.allowed++;
  if (mode === "die") return;
  // Every seventh allowed call "fails" and gives its share back.
  if (i % 7 === 0) {
    await gate.finish(decision, "not_run");
    report.released++;
  } else {
    await gate.finish(decision, "ran");
    report.settled++;
    report.settledAmount += amount;
  }
}

const ready = process.send ? new Promise<void>((resolve) => process.once("message", () => resolve())) : Promise.resolve();
process.send?.({ ready: true });
await ready;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < total) await one(next++);
  }),
);
if (mode === "die") {
  // Reserved, never settled: the parent kills this process now.
  process.send?.({ report });
  await new Promise(() => {});
}
await store.close();
process.send?.({ report });
process.disconnect?.();
