import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { assistantsDriver, chatDriver } from "./park-drivers.ts";
import { parkSuite } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-chat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

parkSuite("Chat Completions on SQLite", chatDriver, sqliteFile);
parkSuite("Assistants runs, polling, on SQLite", assistantsDriver(false), sqliteFile);
parkSuite("Assistants runs, streaming, on SQLite", assistantsDriver(true), sqliteFile);
