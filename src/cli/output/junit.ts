import { summaryLine, type TestReport, type TestResult } from "../../testing/types.ts";
import type { Reporter } from "./reporter.ts";

function escape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(6);

/** Suites by kind and file: Rego tests by file, case files by file. */
function suiteName(r: TestResult): string {
  return `${r.kind === "case" ? "cases" : r.kind === "parity" ? "opa-parity" : "rego"}: ${r.file}`;
}

function testcase(r: TestResult): string {
  const name = r.kind === "case" ? r.name.slice(r.name.lastIndexOf("#") + 1) : r.name;
  const open = `    <testcase name="${escape(name)}" classname="${escape(suiteName(r))}" file="${escape(r.file)}" line="${r.line}" time="${seconds(r.durationMs)}"`;
  const body = [r.message ?? "", ...(r.details ?? [])].join("\n");
  if (r.status === "pass") return `${open}/>`;
  if (r.status === "skip") return `${open}>\n      <skipped message="${escape(r.message ?? "skipped")}"/>\n    </testcase>`;
  const tag = r.status === "fail" ? "failure" : "error";
  return `${open}>\n      <${tag} message="${escape(r.message ?? r.status)}" type="${tag}">${escape(`${r.file}:${r.line}\n${body}`)}</${tag}>\n    </testcase>`;
}

/** JUnit XML as CI systems ingest it (Jenkins, GitLab, GitHub test reporters): one suite per file. */
export function renderJunit(report: TestReport): string {
  const suites = new Map<string, TestResult[]>();
  for (const r of report.results) suites.set(suiteName(r), [...(suites.get(suiteName(r)) ?? []), r]);
  const count = (rs: TestResult[], s: TestResult["status"]) => rs.filter((r) => r.status === s).length;
  const total = (rs: TestResult[]) => rs.reduce((t, r) => t + r.durationMs, 0);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="policy test" tests="${report.results.length}" failures="${report.summary.failed}" errors="${report.summary.errors}" skipped="${report.summary.skipped}" time="${seconds(report.wallMs)}">`,
  ];
  for (const [name, rs] of suites) {
    lines.push(
      `  <testsuite name="${escape(name)}" tests="${rs.length}" failures="${count(rs, "fail")}" errors="${count(rs, "error")}" skipped="${count(rs, "skip")}" time="${seconds(total(rs))}">`,
    );
    for (const r of rs) lines.push(testcase(r));
    lines.push(`  </testsuite>`);
  }
  lines.push(`  <!-- ${escape(summaryLine(report.summary))} -->`);
  lines.push(`</testsuites>`);
  return lines.join("\n") + "\n";
}

export const junit: Reporter = { test: renderJunit };
