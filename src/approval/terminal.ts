import { userInfo } from "node:os";
import type { ApprovalRequest, ApprovalResponse, Approver } from "./approver.ts";

export interface TerminalApproverOptions {
  /** Default process.stdin / process.stdout; tests pass their own streams. */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Names the approver in the audit trail. Default the OS user name. */
  approver?: string;
}

/**
 * Asks whoever sits at the terminal. Answers: `y` approves, a JSON object
 * approves with those arguments instead (the policy checks them again),
 * anything else rejects.
 */
export class TerminalApprover implements Approver {
  readonly #input: NodeJS.ReadableStream;
  readonly #output: NodeJS.WritableStream;
  readonly #approver: string;

  constructor(options: TerminalApproverOptions = {}) {
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stdout;
    this.#approver = options.approver ?? userInfo().username;
  }

  async request(request: ApprovalRequest): Promise<ApprovalResponse> {
    const { createInterface } = await import("node:readline/promises");
    const rl = createInterface({ input: this.#input, output: this.#output, terminal: false });
    try {
      this.#output.write(
        `\nApproval needed: ${request.summary}\n` +
          `  tool      ${request.call.name}${request.call.tool_type === "mcp" ? ` on MCP server ${request.call.server_label}` : ""} (call ${request.call.call_id})\n` +
          `  arguments ${JSON.stringify(request.arguments)}\n` +
          request.reasons.map((r) => `  reason    ${r.code}: ${r.message}\n`).join(""),
      );
      const answer = (await rl.question("Approve? [y/N, or modified arguments as JSON] ", { signal: request.signal })).trim();
      const approver = this.#approver;
      if (/^y(es)?$/i.test(answer)) return { status: "approved", approver };
      if (answer.startsWith("{")) {
        try {
          const args = JSON.parse(answer) as unknown;
          if (args !== null && typeof args === "object" && !Array.isArray(args)) {
            return { status: "approved", approver, arguments: args as Record<string, unknown>, note: "arguments modified at the terminal" };
          }
        } catch {
          // Unparseable edits reject: approving something other than what was typed would be worse.
        }
        return { status: "rejected", approver, note: "the modified arguments were not a JSON object" };
      }
      return { status: "rejected", approver };
    } finally {
      rl.close();
    }
  }
}
