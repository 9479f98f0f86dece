import type { PolicyDiagnostic } from "./errors.ts";
import { parseRegoModules, type DataRef, type ParsedModule } from "./rego-modules.ts";

/** The package of custom rules, and the rules of it framework/toolgate/decision.rego reads (`_custom_outputs`). */
export const RULES_PACKAGE = ["toolgate", "rules"];
export const CUSTOM_RULE_KINDS: readonly string[] = ["deny", "require_approval", "sanitize"];
/** The package of the decision entrypoint: where reading starts. */
const DECISION_PACKAGE = ["toolgate"];
/** The only data a bundle carries besides its rules: toolgate.yaml (src/policy/compile.ts). */
const CONFIG_DATA = ["toolgate", "config"];

const dotted = (p: readonly string[]) => p.join(".");
const startsWith = (a: readonly string[], prefix: readonly string[]) => prefix.every((s, i) => a[i] === s);
const isTestPackage = (p: readonly string[]) => (p.at(-1) ?? "").endsWith("_test");
const kinds = () => CUSTOM_RULE_KINDS.join(", ");

/**
 * A number literal indexing base data (data.toolgate.config.x[2]): OPA's Go
 * evaluator turns it into the path segment "2" (an object's key "2" or an
 * array's index 2), the WASM runtime looks up the number 2 (an object's key
 * "2" is not found). Refused so that no policy depends on which one it gets.
 */
export function numberIndexedDataProblem(ref: DataRef): PolicyDiagnostic {
  const at = ref.path.length === 0 ? "data" : `data.${dotted(ref.path)}`;
  return {
    code: "data_number_index",
    message:
      `${at}[<number>]: OPA reads a number literal indexing data as the key "<number>", toolgate's WASM runtime as the ` +
      `number, so an object key "2" is found by one and not the other; read the document into a variable first ` +
      `(x := ${at}; x[2]), which both read as the number`,
    location: ref.location,
  };
}

function numberIndexedConfigRefs(refs: readonly DataRef[]): PolicyDiagnostic[] {
  return refs.filter((r) => r.numberIndex && (startsWith(r.path, CONFIG_DATA) || startsWith(CONFIG_DATA, r.path))).map(numberIndexedDataProblem);
}

/**
 * The packages the decision reads: the decision's own, then every package a
 * read module references (imports or `data.` refs, transitively). A package is
 * referenced when a reference's constant prefix covers it or points into it.
 */
function readPackages(modules: readonly ParsedModule[]): Set<string> {
  const packages = new Map<string, ParsedModule[]>();
  for (const m of modules) packages.set(dotted(m.packagePath), [...(packages.get(dotted(m.packagePath)) ?? []), m]);
  const read = new Set<string>();
  const refs: string[][] = [];
  const visit = (key: string) => {
    read.add(key);
    for (const m of packages.get(key) ?? []) refs.push(...m.dataRefs.map((r) => r.path));
  };
  visit(dotted(DECISION_PACKAGE));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [key, [first]] of packages) {
      if (read.has(key)) continue;
      const p = first!.packagePath;
      if (refs.some((r) => startsWith(p, r) || startsWith(r, p))) {
        visit(key);
        grew = true;
      }
    }
  }
  return read;
}

function rulesPackageProblems(m: ParsedModule): PolicyDiagnostic[] {
  const out: PolicyDiagnostic[] = [];
  if (m.packagePath.length > RULES_PACKAGE.length) {
    // package toolgate.rules.x contributes data.toolgate.rules.x: a rule named x.
    const name = m.packagePath[RULES_PACKAGE.length]!;
    if (!CUSTOM_RULE_KINDS.includes(name)) {
      out.push({
        code: "rule_not_read",
        message:
          `package ${dotted(m.packagePath)} defines toolgate.rules.${name}, which the decision never reads ` +
          `(it reads ${kinds()} of package toolgate.rules): nothing here changes a decision`,
        location: m.packageLocation,
      });
    }
    return out;
  }
  for (const rule of m.rules) {
    if (rule.name.startsWith("_")) continue;
    if (!CUSTOM_RULE_KINDS.includes(rule.name)) {
      out.push({
        code: "rule_not_read",
        message:
          `toolgate.rules.${rule.name} is never read by the decision (it reads ${kinds()}), so it changes no decision; ` +
          `use one of those names, or start a helper rule's name with _ (_${rule.name})`,
        location: rule.location,
      });
    } else if (rule.isFunction) {
      out.push({
        code: "rule_not_read",
        message: `toolgate.rules.${rule.name} is a function; the decision reads ${rule.name} as a set: write \`${rule.name} contains {...} if {...}\``,
        location: rule.location,
      });
    }
  }
  return out;
}

/**
 * Whether a data reference can ever be defined: a bundle's data is its rules
 * plus toolgate.yaml, so a path no package or rule covers is always undefined
 * (a typo there makes the rule using it silently never match).
 */
function defined(ref: DataRef, modules: readonly ParsedModule[]): boolean {
  if (startsWith(ref.path, CONFIG_DATA)) return true;
  return modules.some((m) => {
    const p = m.packagePath;
    if (startsWith(p, ref.path)) return true; // a namespace holding this package
    if (!startsWith(ref.path, p)) return false;
    return ref.path.length === p.length || m.rules.some((r) => r.name === ref.path[p.length]);
  });
}

function undefinedRefs(refs: readonly DataRef[], modules: readonly ParsedModule[]): PolicyDiagnostic[] {
  return refs
    .filter((ref) => !defined(ref, modules))
    .map((ref) => ({
      code: "rule_ref_undefined",
      message:
        `data.${ref.path.join(".")}${ref.open ? "…" : ""} is defined by no rule or package of the policy, so it is always undefined ` +
        `and what uses it never matches (a misspelt name, or a rule only in a *_test.rego file, which production leaves out)`,
      location: ref.location,
    }));
}

/** A *_test.rego file is left out of production builds: decision rules in it would never serve. */
function testFileProblems(m: ParsedModule): PolicyDiagnostic[] {
  if (isTestPackage(m.packagePath) || !startsWith(m.packagePath, RULES_PACKAGE)) return [];
  const sub = m.packagePath[RULES_PACKAGE.length];
  const decisionRules =
    sub === undefined
      ? m.rules.filter((r) => CUSTOM_RULE_KINDS.includes(r.name))
      : CUSTOM_RULE_KINDS.includes(sub)
        ? [{ name: sub, location: m.packageLocation }]
        : [];
  return decisionRules.map(({ name, location }) => ({
    code: "rule_not_read",
    message: `toolgate.rules.${name} is in a *_test.rego file, which policy builds leave out, so it never decides: move it to another file`,
    location,
  }));
}

/**
 * A policy module in one of the framework's own packages extends it: a rule
 * there is read only if the framework defines that rule too, or something read
 * references it (helpers starting with `_` are the author's business).
 */
function frameworkPackageProblems(m: ParsedModule, framework: readonly ParsedModule[], readRefs: readonly DataRef[]): PolicyDiagnostic[] {
  const own = new Set(framework.filter((f) => dotted(f.packagePath) === dotted(m.packagePath)).flatMap((f) => f.rules.map((r) => r.name)));
  return m.rules
    .filter((rule) => !rule.name.startsWith("_") && !own.has(rule.name))
    .filter((rule) => !readRefs.some((ref) => startsWith(ref.path, [...m.packagePath, rule.name])))
    .map((rule) => ({
      code: "rule_not_read",
      message:
        `${dotted(m.packagePath)}.${rule.name} is never read: ${dotted(m.packagePath)} is a framework package, which reads only the rules it defines ` +
        `(${[...own].filter((n) => !n.startsWith("_")).sort().join(", ")}); custom rules go in package toolgate.rules (${kinds()})`,
      location: rule.location,
    }));
}

/**
 * Refuses Rego that would be compiled but never read by the decision, so that
 * a rule meant to deny or require approval cannot silently become an allow:
 * packages the decision never reaches (other than `*_test` packages), rule
 * names in toolgate.rules (or a framework package) it does not read (helpers
 * must start with `_`),
 * decision rules written as functions or put in a *_test.rego file, and
 * references to data no rule defines. Reads the modules with `opa parse`;
 * meant to run on sources opa builds (a file it cannot parse is refused too).
 */
export async function lintRules(
  opa: string,
  frameworkFiles: readonly string[],
  userFiles: readonly string[],
  userTestFiles: readonly string[] = [],
): Promise<PolicyDiagnostic[]> {
  const parsed = await parseRegoModules(opa, userFiles);
  const user = parsed.filter((m) => m !== undefined);
  // Called once opa build succeeded: a file opa parse cannot read now would go unchecked, so it is refused.
  const diagnostics: PolicyDiagnostic[] = userFiles
    .filter((_, i) => parsed[i] === undefined)
    .map((file) => ({ code: "rule_lint_failed", message: `opa parse could not read ${file}, so its rules were not checked`, location: { file, row: 1, col: 1 } }));
  const elsewhere = user.filter((m) => !isTestPackage(m.packagePath) && !startsWith(m.packagePath, RULES_PACKAGE));
  const refs = user.filter((m) => !isTestPackage(m.packagePath)).flatMap((m) => m.dataRefs);
  let read = new Set<string>([dotted(RULES_PACKAGE)]);
  let framework: ParsedModule[] = [];
  if (elsewhere.length > 0 || refs.some((r) => !defined(r, user))) {
    // Only then is the framework (parsed by opa) needed: for the reference graph and the framework's rules.
    framework = (await parseRegoModules(opa, frameworkFiles)).filter((m) => m !== undefined);
    read = readPackages([...framework, ...user]);
    diagnostics.push(...undefinedRefs(refs, [...framework, ...user]));
  }
  const readRefs = [...framework, ...user].filter((m) => read.has(dotted(m.packagePath))).flatMap((m) => m.dataRefs);
  for (const m of await parseRegoModules(opa, userTestFiles)) {
    if (m) diagnostics.push(...testFileProblems(m));
  }
  diagnostics.push(...numberIndexedConfigRefs(refs));
  for (const m of user) {
    if (isTestPackage(m.packagePath)) continue;
    if (startsWith(m.packagePath, RULES_PACKAGE)) {
      diagnostics.push(...rulesPackageProblems(m));
    } else if (framework.some((f) => dotted(f.packagePath) === dotted(m.packagePath))) {
      diagnostics.push(...frameworkPackageProblems(m, framework, readRefs));
    } else if (!read.has(dotted(m.packagePath))) {
      diagnostics.push({
        code: "rule_package_not_read",
        message:
          `package ${dotted(m.packagePath)} is never read by the decision, so its rules change no decision: ` +
          `custom rules go in package toolgate.rules (${kinds()}); a helper package must be imported from there; ` +
          `tests go in a *_test package`,
        location: m.packageLocation,
      });
    }
  }
  return diagnostics;
}
