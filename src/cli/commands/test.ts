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
}

export function registerTest(program: Command): void {
  program
    .command("test")
    .description(
      "Run Rego unit tests (*_test.rego) and tool-call cases (cases/*.yaml) on the WASM module production loads; " +
        "exits 0 all passed, 1 a test failed or errored, 2 usage or build error",
    )
    .argument("[paths...]", "policy dirs, test dirs, *_test.rego or case files (default: rego and test/cases)")
    .option("--rego <dir>", "policy directory compiled with the framework (default: first path with a toolgate.yaml, else rego)")
    .option("--tools <file>", "tool declarations for the cases (default: <policy dir>/tools.json)")
    .option("--run <pattern>", "only tests whose name matches this regular expression (data.pkg.test_x, file#case-id)")
    .addOption(new Option("--reporter <name>", "output format").choices([...REPORTERS]).default("pretty"))
    .option("--bail", "stop at the first failure or error")
    .option("--verbose", "show every test, each decision's reasons and timing")
    .option("--compare-opa", "also run the Rego tests with opa test (Go) and report verdicts that differ from WASM")
    .action(async (paths: string[], options: TestOptions) => {
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
