import { createRequire } from "node:module";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import type { Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import { validate as validateDraft07 } from "./schema-meta-validator.generated.ts";
import type { AnyToolDeclaration } from "./tool-call.ts";
import { declaredTools, ToolDeclarationError } from "./tool-declaration.ts";

type MetaValidate = ((schema: unknown) => boolean) & { errors?: ErrorObject[] | null };
const metaValidate = validateDraft07 as MetaValidate;

const require = createRequire(import.meta.url);

/**
 * ajv with the formats, loaded on first use: loading it and compiling schemas
 * is most of what a serverless cold start used to spend before the first call.
 * ajv is CommonJS, so it loads synchronously where a call needs it.
 */
function newAjv(): Ajv {
  const { Ajv: AjvClass } = require("ajv") as typeof import("ajv");
  const addFormats = require("ajv-formats") as { default: (ajv: Ajv) => Ajv };
  // The meta-schema check ran when the declarations were read (schema-meta-validator.generated.ts).
  const ajv = new AjvClass({ allErrors: true, strict: false, validateSchema: false });
  addFormats.default(ajv);
  return ajv;
}

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

const DRAFT_07: ReadonlySet<string> = new Set(["http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-07/schema#"]);

function describeSchemaErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `schema${e.instancePath.replace(/\//g, ".")} ${e.message ?? "is invalid"}`).join("; ");
}

/**
 * The app's tool declarations. A tool that is not declared is refused: the
 * model may only call what the app offered it. Each schema is checked against
 * JSON Schema draft-07 when the declarations are read, and compiled by ajv
 * the first time its tool is called (then kept); a schema that passes the
 * check but does not compile (a bad $ref, a pattern that is no regex) denies
 * every call of its tool.
 */
export class ToolSchemas {
  private readonly schemas = new Map<string, Record<string, unknown>>();
  private readonly validators = new Map<string, ValidateFunction | Error>();
  private ajv: Ajv | undefined;

  /** Throws ToolDeclarationError for a declaration it cannot read or whose parameters are not a JSON schema. */
  constructor(tools: readonly AnyToolDeclaration[]) {
    declaredTools(tools).forEach(({ name, parameters }) => {
      const refuse = (why: string): never => {
        const index = tools.findIndex((t) => (t as { name?: unknown }).name === name || (t as { function?: { name?: unknown } }).function?.name === name);
        throw new ToolDeclarationError(index, `tool declaration [${index}] (${name}): its parameters are not a JSON schema: ${why}`);
      };
      if (!metaValidate(parameters)) refuse(describeSchemaErrors(metaValidate.errors ?? []));
      const dialect = parameters.$schema;
      if (dialect !== undefined && !DRAFT_07.has(dialect as string)) refuse(`$schema ${JSON.stringify(dialect)} is not JSON Schema draft-07`);
      // A copy: what the app does to its declarations later does not change what is compiled on first use.
      this.schemas.set(name, structuredClone(parameters));
    });
  }

  has(name: string): boolean {
    return this.schemas.has(name);
  }

  /** Undefined when valid, else the deny reason. */
  check(name: string, args: Record<string, unknown>): Reason | undefined {
    const validate = this.validator(name);
    if (validate === undefined) {
      return { code: GateReason.toolNotDeclared, message: `tool ${JSON.stringify(name)} is not among the declared tools` };
    }
    if (validate instanceof Error) {
      return { code: GateReason.schemaViolation, message: `the declared parameters of ${JSON.stringify(name)} do not compile as a JSON schema: ${validate.message}` };
    }
    if (validate(args)) return undefined;
    return { code: GateReason.schemaViolation, message: describe(validate.errors ?? []) };
  }

  private validator(name: string): ValidateFunction | Error | undefined {
    let validate = this.validators.get(name);
    if (validate === undefined) {
      const schema = this.schemas.get(name);
      if (schema === undefined) return undefined;
      try {
        this.ajv ??= newAjv();
        validate = this.ajv.compile(schema);
      } catch (err) {
        validate = err instanceof Error ? err : new Error(String(err));
      }
      this.validators.set(name, validate);
    }
    return validate;
  }
}
