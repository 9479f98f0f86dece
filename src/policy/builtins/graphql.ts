// graphql.* as OPA's Go builtins, by running OPA's own code for them: the
// pinned opa's topdown/graphql.go over the gqlparser version it pins, compiled
// from tools/graphql to a WASI module (build/graphql.wasm.gz). graphql-js is
// not used: its lexer, validation rules and AST differ from gqlparser's, and a
// policy asking "is this a valid query for this schema" must get Go's answer.
// The module is loaded on the first graphql.* call only (about 4 MB of WASM).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { GRAPHQL_WASM_FILE } from "../package-files.ts";
import { compareRego } from "./go-value.ts";
import { parseRegoText, type RegoValue } from "./rego-text.ts";
import { UnanswerableError } from "./unanswerable.ts";

/** Requests above this size are not parsed (deny): model-written GraphQL is bounded before a recursive parser sees it. */
export const MAX_GRAPHQL_REQUEST_BYTES = 256 * 1024;

interface GraphqlExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  toolgate_alloc(n: number): number;
  toolgate_call(n: number): number;
  toolgate_result_len(): number;
}

const EBADF = 8;
let instance: GraphqlExports | undefined;

/** The few WASI calls Go's runtime makes, answered without any file, clock or environment of the host's. */
function wasiImports(memory: () => WebAssembly.Memory): Record<string, (...args: never[]) => number> {
  const view = (): DataView => new DataView(memory().buffer);
  return {
    args_sizes_get: (argc: number, size: number) => (view().setUint32(argc, 0, true), view().setUint32(size, 0, true), 0),
    args_get: () => 0,
    environ_sizes_get: (count: number, size: number) => (view().setUint32(count, 0, true), view().setUint32(size, 0, true), 0),
    environ_get: () => 0,
    clock_time_get: (_id: number, _precision: bigint, out: number) => (view().setBigUint64(out, process.hrtime.bigint(), true), 0),
    random_get: (buf: number, len: number) => (crypto.getRandomValues(new Uint8Array(memory().buffer, buf, len)), 0),
    fd_write: (_fd: number, iovs: number, count: number, written: number) => {
      let total = 0;
      for (let i = 0; i < count; i++) total += view().getUint32(iovs + 8 * i + 4, true);
      view().setUint32(written, total, true);
      return 0;
    },
    fd_read: () => EBADF,
    fd_close: () => EBADF,
    fd_fdstat_get: (fd: number, out: number) => {
      if (fd > 2) return EBADF;
      new Uint8Array(memory().buffer, out, 24).fill(0);
      view().setUint8(out, 2);
      return 0;
    },
    fd_fdstat_set_flags: () => 0,
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    poll_oneoff: (subscriptions: number, events: number, count: number, eventCount: number) => {
      for (let i = 0; i < count; i++) {
        view().setBigUint64(events + 32 * i, view().getBigUint64(subscriptions + 48 * i, true), true);
        view().setUint16(events + 32 * i + 8, 0, true);
        view().setUint8(events + 32 * i + 10, view().getUint8(subscriptions + 48 * i + 8));
      }
      view().setUint32(eventCount, count, true);
      return 0;
    },
    sched_yield: () => 0,
    proc_exit: (code: number) => {
      throw new Error(`graphql module exited with status ${code}`);
    },
  };
}

function load(): GraphqlExports {
  if (!instance) {
    const module = new WebAssembly.Module(gunzipSync(readFileSync(GRAPHQL_WASM_FILE)));
    let exports: GraphqlExports | undefined;
    const created = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasiImports(() => exports!.memory) });
    exports = created.exports as unknown as GraphqlExports;
    exports._initialize();
    instance = exports;
  }
  return instance;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Calls the Go builtin; an error Go reports throws (undefined), a panic or trap fails the evaluation. */
function callGo(builtin: string, args: string[]): unknown {
  const request = encoder.encode(`{"op":${JSON.stringify(builtin)},"args":[${args.join(",")}]}`);
  if (request.byteLength > MAX_GRAPHQL_REQUEST_BYTES) {
    throw new UnanswerableError(builtin, `operands of more than ${MAX_GRAPHQL_REQUEST_BYTES} bytes`);
  }
  let text: string;
  try {
    const go = load();
    const addr = go.toolgate_alloc(request.byteLength);
    new Uint8Array(go.memory.buffer, addr, request.byteLength).set(request);
    const resultAddr = go.toolgate_call(request.byteLength);
    text = decoder.decode(new Uint8Array(go.memory.buffer, resultAddr, go.toolgate_result_len()));
  } catch (err) {
    instance = undefined;
    throw new UnanswerableError(builtin, `the GraphQL module failed (${(err as Error).message})`);
  }
  const answer = JSON.parse(text) as { value?: unknown; error?: string; panic?: string };
  if (answer.panic !== undefined) throw new UnanswerableError(builtin, `Go's builtin panicked (${answer.panic})`);
  if (answer.error !== undefined) throw new Error(`${builtin}: ${answer.error}`);
  return answer.value;
}

/**
 * An operand as OPA's ast.JSON writes it (sets as sorted arrays); "null" where
 * ast.JSON fails (a non-string object key), which Go's builtins treat as they
 * treat a failed conversion.
 */
function operandJson(builtin: string, v: RegoValue): string {
  const json = (x: RegoValue): string | undefined => {
    switch (x.kind) {
      case "null": return "null";
      case "boolean": return String(x.value);
      case "number":
        // Go unmarshals these into the AST's integer fields by their text; only plain integers are known to read the same.
        if (!/^-?\d+$/.test(x.text)) throw new UnanswerableError(builtin, "a GraphQL AST object holding a non-integer number");
        return x.text;
      case "string": return JSON.stringify(x.value);
      case "array":
      case "set": {
        const items = (x.kind === "set" ? [...x.items].sort(compareRego) : x.items).map(json);
        return items.includes(undefined) ? undefined : `[${items.join(",")}]`;
      }
      case "object": {
        const entries: string[] = [];
        for (const [k, val] of x.entries) {
          const inner = json(val);
          if (k.kind !== "string" || inner === undefined) return undefined;
          entries.push(`${JSON.stringify(k.value)}:${inner}`);
        }
        return `{${entries.join(",")}}`;
      }
    }
  };
  return json(v) ?? "null";
}

function graphqlBuiltin(name: string) {
  return Object.assign(
    (...operandTexts: string[]): unknown => callGo(name, operandTexts.map((t) => operandJson(name, parseRegoText(t)))),
    { readsRegoText: true as const },
  );
}

export const graphqlParse = graphqlBuiltin("graphql.parse");
export const graphqlParseAndVerify = graphqlBuiltin("graphql.parse_and_verify");
export const graphqlParseQuery = graphqlBuiltin("graphql.parse_query");
export const graphqlParseSchema = graphqlBuiltin("graphql.parse_schema");
export const graphqlIsValid = graphqlBuiltin("graphql.is_valid");
export const graphqlSchemaIsValid = graphqlBuiltin("graphql.schema_is_valid");
