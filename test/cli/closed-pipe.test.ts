import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildSeedBundle, cliMain } from "../helpers/seed-bundle.ts";

describe("a reader that stops early (policy eval ... | head)", () => {
  it("ends the CLI quietly with the SIGPIPE status, no stack trace", async () => {
    const bundle = await buildSeedBundle();
    const call = JSON.stringify({ assistant_id: "asst_zzz", tool: "get_customer", arguments: '{"customer_id":"c-1"}' });
    const calls = `${Array.from({ length: 5000 }, () => call).join("\n")}\n`;
    const child = spawn(process.execPath, [cliMain, "eval", "--bundle", bundle, "--call", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Read the first line, then close the pipe as `head -1` does.
    child.stdout.once("data", () => child.stdout.destroy());
    child.stdin.end(calls);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(141);
  });
});
