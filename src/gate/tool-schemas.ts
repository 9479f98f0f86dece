import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import type { ToolDeclaration } from "./tool-call.ts";

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const field = `arguments${e.instancePath.replace(/\//g, ".")}`;
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      if (extra !== undefined) return `${field} has unknown field "${extra}"`;
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      if (missing !== undefined) return `${field} is missing required field "${missing}"`;
      return `${field} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}

/**
 * The app's tool declarations, each JSON schema compiled once. A tool that is
 * not declared is refused: the model may only call what the app offered it.
 */
export class ToolSchemas {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(tools: readonly ToolDeclaration[]) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const tool of tools) {
      const name = tool.function.name;
      if (this.validators.has(name)) throw new Error(`tool ${name} is declared twice`);
      this.validators.set(name, ajv.compile(tool.function.parameters ?? { type: "object" }));
    }
  }

  has(name: string): boolean {
    return this.validators.has(name);
  }

  /** Undefined when valid, else the deny reason. */
  check(name: string, args: Record<string, unknown>): Reason | undefined {
    const validate = this.validators.get(name);
    if (!validate) {
      return { code: GateReason.toolNotDeclared, message: `tool ${JSON.stringify(name)} is not among the declared tools` };
    }
    if (validate(args)) return undefined;
    return { code: GateReason.schemaViolation, message: describe(validate.errors ?? []) };
  }
}
