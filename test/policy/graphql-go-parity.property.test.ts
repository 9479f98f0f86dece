// graphql.* (OPA's Go code in a WASI module) answer as `opa eval` on
// generated schemas and queries, and a policy can tell a read-only query from
// one with a mutation by parse_query's AST, as with OPA.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_GRAPHQL_REQUEST_BYTES } from "../../src/policy/builtins/graphql.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth, toolgateEngine } from "./go-parity.ts";

const MODULE = `package p

valid := {i: graphql.is_valid(x[0], x[1]) | some i, x in input.pairs}
verified := {i: graphql.parse_and_verify(x[0], x[1]) | some i, x in input.pairs}
parsed := {i: graphql.parse(x[0], x[1]) | some i, x in input.pairs}
schema_valid := {i: graphql.schema_is_valid(s) | some i, s in input.schemas}
schema_ast := {i: graphql.parse_schema(s) | some i, s in input.schemas}
query_ast := {i: graphql.parse_query(q) | some i, q in input.queries}
from_ast := {i: graphql.is_valid(graphql.parse_query(x[0]), graphql.parse_schema(x[1])) | some i, x in input.pairs}
`;

const piece = (...xs: string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
const typeRef = piece("String", "Int", "ID", "Boolean", "Float", "[String]", "String!", "[Int!]!", "User", "Nope", "Query");
const field = fc.tuple(piece("id", "name", "user", "users", "count", "__typename", "a", "delete"), fc.option(piece("(id: ID!)", "(x: Int = 1)", "(s: String, n: [Int])", "()", "(id: Nope)")), typeRef)
  .map(([n, args, t]) => `${n}${args ?? ""}: ${t}`);
const typeDef = fc.tuple(piece("type Query", "type User", "type Mutation", "input In", "interface Node", "type User implements Node", "extend type Query", "scalar Date", "enum Color", "union U ="), fc.array(field, { maxLength: 4 }))
  .map(([head, fields]) => (head.startsWith("scalar") ? head : head.startsWith("enum") ? `${head} { RED GREEN }` : head.endsWith("=") ? `${head} User | Query` : `${head} { ${fields.join(" ")} }`));
const schema = fc.oneof(
  fc.array(typeDef, { minLength: 1, maxLength: 4 }).map((d) => d.join("\n")),
  fc.array(typeDef, { maxLength: 3 }).map((d) => `schema { query: Query mutation: Mutation }\n${d.join("\n")}`),
  fc.string({ maxLength: 12 }),
  piece("", "type Query { a: String }", "type Query { a: String } type Query { b: Int }", '"""doc""" type Query { a(x: Int = "s"): String @deprecated }'),
);
const selection: fc.Arbitrary<string> = fc.letrec((tie) => ({
  sel: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    piece("id", "name", "__typename", "count", "a", "nope", "user(id: 1)", 'user(id: "1")', "users(x: $v)", "alias: name", "...F", "... on User { id }", "name @skip(if: true)", "name @include(if: $b)"),
    fc.tuple(piece("user", "users", "a", "user(id: \"1\")"), fc.array(tie("sel") as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 })).map(([f, s]) => `${f} { ${s.join(" ")} }`),
  ),
})).sel;
const query = fc.oneof(
  fc.tuple(piece("", "query", "query Q", "mutation", "mutation M", "subscription", "query Q($v: Int, $b: Boolean!)", "query ($v: Nope)"), fc.array(selection, { minLength: 1, maxLength: 4 }), fc.option(piece("fragment F on User { id }", "fragment F on Nope { id }", "query Q { a }", "{ a }")))
    .map(([op, sels, extra]) => `${op} { ${sels.join(" ")} }${extra ? `\n${extra}` : ""}`),
  fc.string({ maxLength: 12 }),
  piece("", "{", "{ a", "{ a } }", "query { a(x: 1.e5) }", '{ a(x: "\\u00e9") }', '{ a(x: """block""") }', "{ a(x: 0x1) }", "{ a(x: 01) }"),
);

const engineFor = toolgateEngine;

describe("graphql.* answer as OPA's Go builtins", () => {
  it("on generated schemas and queries: validity, ASTs, parse_and_verify, AST objects as operands", { timeout: fuzzTimeout() }, async () => {
    const seed = Date.now();
    // 2,000 per class (x FUZZ_SCALE): each input runs seven graphql builtins in both evaluators,
    // and opa eval's batch grows superlinearly beyond that (10,000 took over 10 minutes).
    const n = Math.ceil(fuzzRuns(2_000));
    const schemas = fc.sample(schema, { numRuns: n, seed });
    const queries = fc.sample(query, { numRuns: n, seed: seed + 1 });
    const pairs = queries.map((q, i) => [q, schemas[i]]);
    const { go, wasm } = await evalBoth(MODULE, { pairs, schemas, queries });
    for (const rule of ["valid", "verified", "parsed", "schema_valid", "schema_ast", "query_ast", "from_ast"]) {
      expect({ seed, rule, value: wasm[rule] }).toEqual({ seed, rule, value: go[rule] });
    }
    const validCount = Object.values(go.valid as object).filter((v) => v === true).length;
    expect(validCount).toBeGreaterThan(0);
    expect(validCount).toBeLessThan(n);
  });
});

describe("a policy reading graphql.* in the gate's engine", () => {
  const READ_ONLY_POLICY = `schema := "type Query { user(id: ID!): User } type User { id: ID! name: String } type Mutation { deleteUser(id: ID!): Boolean }"

default decision := false

# a valid query for the schema with no operation other than a query
decision if {
\tgraphql.is_valid(input.q, schema)
\tevery op in graphql.parse_query(input.q).Operations {
\t\top.Operation == "query"
\t}
}`;

  it("tells a valid read-only query from a mutation, a mixed document and an invalid query", async () => {
    const engine = await engineFor(READ_ONLY_POLICY);
    const cases: Array<[string, boolean]> = [
      ['{ user(id: "1") { name } }', true],
      ['query Q { user(id: "1") { id name } }', true],
      ['mutation { deleteUser(id: "1") }', false],
      ['query Q { user(id: "1") { id } } mutation M { deleteUser(id: "1") }', false],
      ['{ user(id: "1") { password } }', false],
      ["{ user", false],
    ];
    expect(cases.map(([q]) => [q, engine.evaluate({ q })])).toEqual(cases);
  });

  it("operands above the size bound fail the evaluation (deny) instead of being parsed", async () => {
    const engine = await engineFor('decision := graphql.is_valid(input.q, "type Query { a: String }")');
    expect(() => engine.evaluate({ q: `{ ${"a ".repeat(MAX_GRAPHQL_REQUEST_BYTES / 2)} }` })).toThrow(/toolgate cannot answer as OPA does here/);
    expect(engine.evaluate({ q: "{ a }" })).toBe(true);
  });
});
