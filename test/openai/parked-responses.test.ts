import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { responsesDriver } from "./park-drivers.ts";
import { parkSuite } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-responses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

parkSuite("Responses on SQLite", responsesDriver(false), sqliteFile);
parkSuite("Responses, streaming, on SQLite", responsesDriver(true), sqliteFile);
