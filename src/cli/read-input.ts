import { readFile } from "node:fs/promises";
import { ToolgateError } from "../errors.ts";

/** Reads a file, or standard input for "-". */
export async function readSource(file: string): Promise<string> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new ToolgateError("file_missing", `cannot read ${file}`);
  }
}

/** One JSON document, or one per line (JSONL); errors name the line. */
export function parseJsonDocuments(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new ToolgateError("input_empty", `${source} is empty`);
  try {
    return [JSON.parse(trimmed)];
  } catch {
    // not a single document: try JSON lines
  }
  return trimmed.split("\n").flatMap((line, index) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line)];
    } catch (err) {
      throw new ToolgateError("input_invalid", `${source}:${index + 1}: not valid JSON: ${(err as Error).message}`);
    }
  });
}
