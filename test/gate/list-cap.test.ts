// max_elements: a list argument checked by allowed_domains or allowed_hosts
// longer than the cap is denied whole (too_many_elements), before any element
// is looked at; default 1000, set per tool or per assistant in toolgate.yaml.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Gate } from "../../src/gate/gate.ts";
import { loadPolicyConfig } from "../../src/policy/config.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";
import { constraintGate, decide } from "../helpers/constraint-gate.ts";

const CONFIG = `version: 1
tools:
  mail: { effect: allow, constraints: { allowed_domains: [x.io] } }
  mail_small: { effect: allow, constraints: { allowed_domains: [x.io], max_elements: 3 } }
  fetch_small: { effect: allow, constraints: { allowed_hosts: [x.io], url_fields: [urls], max_elements: 2 } }
assistants:
  asst_test:
    tools:
      mail_small: { constraints: { max_elements: 5 } }
  asst_default:
    tools:
      mail_small: { constraints: { max_elements: null } }
`;

let gate: Gate;
beforeAll(async () => {
  gate = await constraintGate(CONFIG, ["mail", "mail_small", "fetch_small"]);
});

const addresses = (n: number, domain = "x.io"): string[] => Array.from({ length: n }, (_, i) => `u${i}@${domain}`);
const codes = (name: string, args: Record<string, unknown>, assistant_id = "asst_test"): string[] =>
  gate.evaluate({ surface: "chat", assistant_id, call_id: "c", name, arguments: JSON.stringify(args) }).decision.reasons.map((r) => r.code);

describe("max_elements", () => {
  it("defaults to 1000: a longer list is denied once per field, a list of 1000 is checked", () => {
    const decision = decide(gate, "mail", { to: addresses(1001), cc: addresses(1001) });
    expect(decision.reasons).toEqual([
      { code: "too_many_elements", message: "cc holds 1001 values; at most 1000 are checked (max_elements)" },
      { code: "too_many_elements", message: "to holds 1001 values; at most 1000 are checked (max_elements)" },
    ]);
    expect(codes("mail", { to: addresses(1000) })).toEqual([]);
    expect(codes("mail", { to: [...addresses(999), "eve@evil.example"] })).toEqual(["domain_not_allowed"]);
  });

  it("is denied whole, whatever the elements are", () => {
    expect(codes("mail", { to: addresses(1001, "evil.example") })).toEqual(["too_many_elements"]);
    expect(codes("mail", { to: Array.from({ length: 1001 }, () => 42) })).toEqual(["too_many_elements"]);
  });

  it("is set per tool, and per assistant (null restores the default)", () => {
    expect(codes("mail_small", { to: addresses(6) })).toEqual(["too_many_elements"]);
    expect(codes("mail_small", { to: addresses(5) })).toEqual([]);
    expect(codes("mail_small", { to: addresses(4) }, "asst_other")).toEqual(["too_many_elements"]);
    expect(codes("mail_small", { to: addresses(3) }, "asst_other")).toEqual([]);
    expect(codes("mail_small", { to: addresses(1000) }, "asst_default")).toEqual([]);
    expect(codes("mail_small", { to: addresses(1001) }, "asst_default")).toEqual(["too_many_elements"]);
  });

  it("applies to URL lists too; a single value is never over the cap", () => {
    expect(codes("fetch_small", { urls: ["http://x.io/1", "http://x.io/2", "http://x.io/3"] }, "asst_other")).toEqual(["too_many_elements"]);
    expect(codes("fetch_small", { urls: ["http://x.io/1", "http://x.io/2"] }, "asst_other")).toEqual([]);
    expect(codes("fetch_small", { urls: "http://x.io/1" }, "asst_other")).toEqual([]);
  });

  it("must be a positive integer in toolgate.yaml", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-cap-"));
    for (const bad of ["0", "2.5", "'10'", "-1"]) {
      const file = path.join(dir, "toolgate.yaml");
      await writeFile(file, `version: 1\ntools:\n  mail: { effect: allow, constraints: { allowed_domains: [x.io], max_elements: ${bad} } }\n`);
      const error = await loadPolicyConfig(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyBuildError);
      expect((error as PolicyBuildError).diagnostics[0]).toMatchObject({ code: "config_invalid", location: { row: 3 } });
    }
  });
});
