import { canonicalText } from "../json/canonical-text.ts";
import type { DecisionRecorder, RecordedDecision } from "../gate/recorder.ts";
import type { DecisionLog } from "./decision-log.ts";
import { approvalRecord, toDecisionEntry, type DecisionEntry } from "./decision-record.ts";

/** `{"arguments":`: what the input document's canonical text begins with, before its arguments. */
const ARGUMENTS_AT = '{"arguments":'.length;

/** Writes each gate decision to a DecisionLog; resolves when the record is durable per the log's mode. */
export class AuditRecorder implements DecisionRecorder {
  private readonly log: DecisionLog;

  constructor(log: DecisionLog) {
    this.log = log;
  }

  record(recorded: RecordedDecision): Promise<void> {
    const { approval, secretsRedacted } = recorded;
    const entry = toDecisionEntry(
      recorded.input,
      recorded.decision,
      approval === undefined && !secretsRedacted ? undefined : { ...(approval ? { approval: approvalRecord(approval) } : {}), ...(secretsRedacted ? { secretsRedacted } : {}) },
    );
    const { inputJson, resultArgumentsJson } = splicedTexts(recorded, entry);
    return this.log.write(entry, inputJson, resultArgumentsJson);
  }
}

/**
 * The canonical texts the log can splice into the entry's record: the input's
 * (the gate's text when the entry logs that very input; with other logged
 * arguments (sanitize, approvals, withheld ones: toDecisionEntry's redactInput
 * replaces only `arguments`), the gate's text with the arguments swapped) and
 * the result arguments' where they are the input's or the logged ones.
 */
export function splicedTexts(recorded: RecordedDecision, entry: DecisionEntry): { inputJson?: string; resultArgumentsJson?: string } {
  const { inputJson, argumentsJson } = recorded;
  if (inputJson === undefined) return {};
  const input = recorded.input;
  let loggedInputJson: string | undefined;
  let loggedArgumentsJson: string | undefined;
  if (entry.input === input) {
    loggedInputJson = inputJson;
    loggedArgumentsJson = argumentsJson;
  } else if (argumentsJson !== undefined) {
    const logged = entry.input.arguments;
    loggedArgumentsJson = logged === input.arguments ? argumentsJson : canonicalText(logged);
    if (loggedArgumentsJson !== undefined) loggedInputJson = `{"arguments":${loggedArgumentsJson}${inputJson.slice(ARGUMENTS_AT + argumentsJson.length)}`;
  }
  const resultArguments = entry.result.arguments;
  const resultArgumentsJson =
    resultArguments === entry.input.arguments ? loggedArgumentsJson : resultArguments === input.arguments ? argumentsJson : undefined;
  return loggedInputJson === undefined ? {} : { inputJson: loggedInputJson, resultArgumentsJson };
}
