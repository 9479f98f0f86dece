import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import type { AnyToolDeclaration } from "./tool-call.ts";
import { declaredTools, ToolDeclarationError } from "./tool-declaration.ts";

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

  /** Throws ToolDeclarationError for a declaration it cannot read or a schema ajv cannot compile. */
  constructor(tools: readonly AnyToolDeclaration[]) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    declaredTools(tools).forEach(({ name, parameters }) => {
      try {
        this.validators.set(name, ajv.compile(parameters));
      } catch (err) {
        const index = tools.findIndex((t) => (t as { name?: unknown }).name === name || (t as { function?: { name?: unknown } }).function?.name === name);
        throw new ToolDeclarationError(index, `tool declaration [${index}] (${name}): its parameters are not a JSON schema ajv can compile: ${(err as Error).message}`);
      }
    });
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
