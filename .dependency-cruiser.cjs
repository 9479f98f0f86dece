// The import graph of src/ (checked by `make test`: node_modules/.bin/depcruise src).
// Data flows one way: adapter (openai) -> guard -> gate -> policy; audit is a
// leaf behind the gate's recorder interface (types only from gate and policy);
// replay sits on top of audit's reader and the gate's pipeline.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycle in src/, type-only imports included.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "audit-is-a-leaf",
      severity: "error",
      comment: "src/audit implements the gate's recorder interface: it may import types from gate/ and policy/, never values.",
      from: { path: "^src/audit/" },
      to: { path: "^src/(gate|policy)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "audit-imports-no-evaluator",
      severity: "error",
      comment: "src/audit knows nothing of the guard, the adapters, replay, the CLI or the policy test runner.",
      from: { path: "^src/audit/" },
      to: { path: "^src/(guard|openai|replay|cli|testing|approval|dev)/" },
    },
    {
      name: "policy-below-gate",
      severity: "error",
      comment: "policy/ (compile, bundle, engine, watch) is below the gate: it imports nothing above it.",
      from: { path: "^src/policy/" },
      to: { path: "^src/(gate|guard|openai|audit|replay|cli|testing|approval|dev)/" },
    },
    {
      name: "gate-below-guard",
      severity: "error",
      comment: "gate/ decides; it does not know the guard, the adapters, audit, replay, the CLI or the kill switch store (only its KillSwitchCheck interface).",
      from: { path: "^src/gate/" },
      to: { path: "^src/(guard|openai|audit|replay|cli|testing|approval|dev|killswitch)/" },
    },
    {
      name: "killswitch-below-guard",
      severity: "error",
      comment: "killswitch/ (the store and the monitor behind the gate's KillSwitchCheck) sits on the store and the gate's types and reason codes; nothing above.",
      from: { path: "^src/killswitch/" },
      to: { path: "^src/(guard|openai|audit|replay|cli|testing|approval|dev|policy)/" },
    },
    {
      name: "guard-below-adapters",
      severity: "error",
      comment: "guard/ is shared by every surface: it does not import an adapter, audit or the CLI.",
      from: { path: "^src/guard/" },
      to: { path: "^src/(openai|audit|replay|cli|testing|dev)/" },
    },
    {
      name: "store-is-a-leaf",
      severity: "error",
      comment: "src/store opens databases (SQLite file, PostgreSQL pool) for the approval and budget stores; it knows nothing above it.",
      from: { path: "^src/store/" },
      to: { path: "^src/(?!store/|errors\\.ts)" },
    },
    {
      name: "inbox-over-store-and-gate",
      comment: "src/inbox serves approvals from the ApprovalStore interface and re-decides through a Decider: no adapter, audit, replay or test runner.",
      severity: "error",
      from: { path: "^src/inbox/" },
      to: { path: "^src/(openai|audit|replay|cli|testing|dev)/" },
    },
    {
      name: "library-does-not-import-cli",
      severity: "error",
      comment: "The CLI is thin over the library, never the other way round.",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
