import { Option, type Command } from "commander";
import { ToolgateError } from "../../errors.ts";
import { reporter, REPORTERS, type ReporterName } from "../output/index.ts";
import { runPolicyTests } from "../../testing/run.ts";
import { formatSeconds, summaryLine } from "../../testing/types.ts";

interface TestOptions {
  rego?: string;
  tools?: string;
  run?: string;
  reporter: ReporterName;
  bail?: boolean;
  verbose?: boolean;
  compareOpa?: boolean;
  coverage?: boolean;
}

/** Why there is no --coverage, and what to run instead; shown when someone asks for it. */
export const COVERAGE_ALTERNATIVE =
  "policy test has no --coverage: the WASM runtime (opa-wasm) reports none. For line coverage of the Rego " +
  "(measured by opa's Go evaluator, which decides the same) run: " +
  "opa test --coverage <framework dir> <policy dir> --ignore tools.json --ignore toolgate.yaml " +
  "(the framework dir is node_modules/toolgate/framework in a project that installed toolgate)";

export function registerTest(program: Command): void {
  program
    .command("test")
    .description(
      "Run Rego unit tests (*_test.rego) and tool-call cases (cases/*.yaml) on the WASM module production loads; " +
        "exits 0 all passed, 1 a test failed or errored, 2 usage or build error",
    )
    .argument("[paths...]", "policy dirs, test dirs, *_test.rego or case files (default: the policy dir and test/cases)")
    .option("--rego <dir>", "policy directory compiled with the framework (default: the first path with a toolgate.yaml, else $TOOLGATE_POLICY_DIR, else the first of ./, policy/, rego/ with one)")
    .option("--tools <file>", "tool declarations for the cases (default: <policy dir>/tools.json)")
    .option("--run <pattern>", "only tests whose name matches this regular expression (data.pkg.test_x, file#case-id)")
    .addOption(new Option("--reporter <name>", "output format").choices([...REPORTERS]).default("pretty"))
    .option("--bail", "stop at the first failure or error")
    .option("--verbose", "show every test, each decision's reasons and timing")
    .addOption(new Option("--coverage", "not supported: prints what to run instead").hideHelp())
    .option("--compare-opa", "also run the Rego tests with opa test (Go) and report verdicts that differ from WASM")
    .action(async (paths: string[], options: TestOptions) => {
      if (options.coverage) throw new ToolgateError("usage", COVERAGE_ALTERNATIVE);
      if (options.run !== undefined) {
        try {
          new RegExp(options.run);
        } catch (err) {
          throw new ToolgateError("usage", `--run: not a regular expression: ${(err as Error).message}`);
        }
      }
      const report = await runPolicyTests({
        paths,
        ...(options.rego !== undefined ? { rego: options.rego } : {}),
        ...(options.tools !== undefined ? { tools: options.tools } : {}),
        ...(options.run !== undefined ? { run: options.run } : {}),
        bail: options.bail ?? false,
        compareOpa: options.compareOpa ?? false,
      });
      process.stdout.write(reporter(options.reporter).test!(report, { verbose: options.verbose ?? false }));
      if (options.reporter !== "pretty") {
        // Machine formats keep stdout clean; people still get the time and the summary.
        process.stderr.write(`wall time ${formatSeconds(report.wallMs)} (build ${formatSeconds(report.buildMs)})\n${summaryLine(report.summary)}\n`);
      }
      const { failed, errors } = report.summary;
      process.exitCode = failed + errors > 0 ? 1 : 0;
    });
}
