import { startPostgres } from "/work/wt/killswitch/test/helpers/postgres-server.ts";
import { openKillSwitchStore } from "/work/wt/killswitch/src/killswitch/open-kill-switch-store.ts";
const server = await startPostgres();
try {
  const store = await openKillSwitchStore(server.createDatabase("d_1"));
  for (const assistantId of ["", "a\nb", "a\u0000", "\ud800x", "x".repeat(1025)]) {
    console.log("kill", JSON.stringify(assistantId).slice(0, 20));
    await store.kill({ assistantId, reason: "r", by: "me" }).catch((e) => console.log(e.message.slice(0, 80)));
  }
  await store.kill({ assistantId: "a", reason: "\udc00", by: "me" }).catch((e) => console.log(e.message.slice(0, 80)));
  await store.lift({ assistantId: "a", by: "" }).catch((e) => console.log(e.message.slice(0, 80)));
  console.log(await store.active(), await store.history());
  await store.close();
  console.log("closed");
  const store2 = await openKillSwitchStore(server.createDatabase("d_2"));
  console.log("opened 2");
  await store2.close();
} finally { server.stop(); }
