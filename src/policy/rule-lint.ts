import type { PolicyDiagnostic } from "./errors.ts";
import { parseRegoModule, type ParsedModule } from "./rego-modules.ts";

/** The package of custom rules, and the rules of it framework/toolgate/decision.rego reads (`_custom_outputs`). */
export const RULES_PACKAGE = ["toolgate", "rules"];
export const CUSTOM_RULE_KINDS: readonly string[] = ["deny", "require_approval", "sanitize"];
/** The package of the decision entrypoint: where reading starts. */
const DECISION_PACKAGE = ["toolgate"];

const dotted = (p: readonly string[]) => p.join(".");
const startsWith = (a: readonly string[], prefix: readonly string[]) => prefix.every((s, i) => a[i] === s);
const isTestPackage = (p: readonly string[]) => (p.at(-1) ?? "").endsWith("_test");
const kinds = () => CUSTOM_RULE_KINDS.join(", ");

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
    for (const m of packages.get(key) ?? []) refs.push(...m.dataRefs);
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
 * Refuses Rego that would be compiled but never read by the decision, so that
 * a rule meant to deny or require approval cannot silently become an allow:
 * packages the decision never reaches (other than `*_test` packages), rule
 * names in toolgate.rules it does not read (helpers must start with `_`), and
 * decision rules written as functions. Reads the modules with `opa parse`;
 * meant to run on sources opa builds (a file it cannot parse is refused too).
 */
export async function lintRules(opa: string, frameworkFiles: readonly string[], userFiles: readonly string[]): Promise<PolicyDiagnostic[]> {
  const parsed = await Promise.all(userFiles.map((f) => parseRegoModule(opa, f)));
  const user = parsed.filter((m) => m !== undefined);
  // Called once opa build succeeded: a file opa parse cannot read now would go unchecked, so it is refused.
  const diagnostics: PolicyDiagnostic[] = userFiles
    .filter((_, i) => parsed[i] === undefined)
    .map((file) => ({ code: "rule_lint_failed", message: `opa parse could not read ${file}, so its rules were not checked`, location: { file, row: 1, col: 1 } }));
  const elsewhere = user.filter((m) => !isTestPackage(m.packagePath) && !startsWith(m.packagePath, RULES_PACKAGE));
  let read = new Set<string>([dotted(RULES_PACKAGE)]);
  if (elsewhere.length > 0) {
    // Only then is the reference graph (which needs the framework parsed) worth building.
    const framework = (await Promise.all(frameworkFiles.map((f) => parseRegoModule(opa, f)))).filter((m) => m !== undefined);
    read = readPackages([...framework, ...user]);
  }
  for (const m of user) {
    if (isTestPackage(m.packagePath)) continue;
    if (startsWith(m.packagePath, RULES_PACKAGE)) {
      diagnostics.push(...rulesPackageProblems(m));
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
