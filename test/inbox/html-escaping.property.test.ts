// The inbox's escaping against the real HTML parser: Chromium's (DOMParser in
// headless Chromium, the browser the inbox is tested with). For any text the
// model or a reviewer wrote, placed in every slot a page has (tool name,
// assistant, summary, reasons, arguments, note, approver, the reviewer's
// edited text echoed back), the parsed page must show exactly that text in
// that slot and have exactly the elements and attributes of a page made with
// harmless text: no element, attribute or script can be injected.
// Pages are rendered in Node (src/inbox/pages.ts), sent as UTF-8 as the server
// sends them, and parsed in batches in one page.
import fc from "fast-check";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { StoredApproval } from "../../src/approval/store/approval-store.ts";
import { detailPage, listPage, type PageContext } from "../../src/inbox/pages.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BATCH = 500;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage();
});
afterAll(() => browser?.close());

const unit = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("a", "Z", "0", " ", "é", "漢", "😀", "=", "/", "-", "!", "?", "[", "]", ";", "#") },
  { weight: 10, arbitrary: fc.constantFrom("<", ">", "&", '"', "'", "`", "\n", "\r", "\t", "\f", "\u0000", "\u2028", "\ufeff", "\u202e") },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "</textarea>", "<textarea>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>",
      "&lt;", "&amp;", "&quot;", "&#39;", "&#x3C;", "&", "&nbsp", "<b", "</", "<!", "<?", "onfocus=", "autofocus ", '" x="', "' y='", "</title>", "</style>", "<plaintext>", "<xmp>", "</dd>", "</form>",
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const text = fc.array(unit, { minLength: 1, maxLength: 12 }).map((units) => units.join(""));

const context: PageContext = { base: "", signedInAs: "token", now: new Date("2026-01-01T00:00:00Z") };

function approval(s: string, state: StoredApproval["state"]): StoredApproval {
  return {
    id: `id-${s}`,
    binding: "b",
    call: { surface: "responses", assistant_id: s, call_id: s, name: s, arguments: "{}" },
    arguments: { [s]: s, recipient_count: 500 },
    reasons: [{ code: s, message: s }],
    hint: undefined,
    summary: s,
    revision: s,
    createdAt: "2025-12-31T23:00:00.000Z",
    expiresAt: "2026-01-01T01:00:00.000Z",
    state,
    ...(state === "pending" ? {} : { decidedAt: "2025-12-31T23:30:00.000Z", decidedBy: s, note: s, approvedArguments: { [s]: s } }),
  };
}

/** The three pages every text goes through: pending detail with a refusal echoing the reviewer's text, decided detail, the list. */
function pages(s: string): string[] {
  const form = { csrf: "t", fixedApprover: undefined, argumentsText: s, note: s, name: s };
  return [
    detailPage(context, { approval: approval(s, "pending"), form, refusal: { title: s, reasons: [{ code: s, message: s }] } }),
    detailPage(context, { approval: approval(s, "approved"), form: { csrf: "t", fixedApprover: s } }),
    listPage(context, { pending: [{ ok: true, approval: approval(s, "pending") }], history: [{ ok: true, approval: approval(s, "rejected") }, { ok: false, id: s, problem: s }] }),
  ];
}

/** As the server sends it: UTF-8, so a lone surrogate arrives as U+FFFD. */
function wire(html: string): string {
  return Buffer.from(html, "utf8").toString("utf8");
}

/** Computed in Node: what crosses into the browser is well-formed text (a lone surrogate would not survive the trip). */
interface Sample {
  /** The text as the page must show it: lone surrogates as U+FFFD, as UTF-8 delivers them. */
  readonly well: string;
  /** The decided page's arguments: JSON.stringify writes a lone surrogate as an escape. */
  readonly decidedArguments: string;
  readonly pages: string[];
}

/** In the browser: parse each page and report the first mismatch, or null. */
function checkInBrowser({ samples, benign }: { samples: Sample[]; benign: string[] }): string | null {
  const parse = (html: string) => new DOMParser().parseFromString(html, "text/html");
  // Every element with its attribute names, in document order.
  const shape = (doc: Document) =>
    Array.from(doc.querySelectorAll("*")).map((e) => `${e.tagName}[${e.getAttributeNames().sort().join(",")}]`).join(" ");
  const lines = (t: string) => t.replace(/\r\n?/g, "\n");
  // What the parser makes of text: in element content a NUL is dropped; in RCDATA (textarea) and attributes it becomes U+FFFD.
  const asText = (t: string) => lines(t).replaceAll("\u0000", "");
  const asRcdata = (t: string) => lines(t).replaceAll("\u0000", "\ufffd");
  const benignShapes = benign.map((html) => shape(parse(html)));
  for (const { well, decidedArguments, pages } of samples) {
    const s = well;
    const docs = pages.map(parse);
    for (let i = 0; i < docs.length; i++) {
      if (shape(docs[i]!) !== benignShapes[i]) return `page ${i}: the elements differ for ${JSON.stringify(s)}: ${shape(docs[i]!)}`;
    }
    const [pending, decided, list] = docs as [Document, Document, Document];
    const expect = (what: string, got: string | null | undefined, want: string): string | null =>
      got === want ? null : `${what}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)} for ${JSON.stringify(s)}`;
    const problems = [
      expect("summary", pending.querySelector("#summary")?.textContent, asText(well)),
      expect("tool", pending.querySelector("#tool")?.textContent, asText(well)),
      expect("edited arguments", pending.querySelector<HTMLTextAreaElement>("#arguments")?.value, asRcdata(well)),
      expect("note", pending.querySelector<HTMLTextAreaElement>("textarea[name=note]")?.value, asRcdata(well)),
      expect("name", pending.querySelector("input[name=name]")?.getAttribute("value"), asRcdata(well)),
      expect("refusal", pending.querySelector("#refusal h2")?.textContent, asText(well)),
      expect("decided arguments", decided.querySelector("#arguments")?.textContent, decidedArguments),
      expect("decided note", decided.querySelector(".note")?.textContent, asText(well)),
      expect("approver", decided.querySelector("#decided strong")?.textContent, asText(well)),
      expect("list summary", list.querySelector("#pending td.summary")?.textContent, asText(well)),
      expect("list reason", list.querySelector("#pending code")?.getAttribute("title"), asRcdata(well)),
      expect("history note", list.querySelector("#history td.note")?.textContent, asText(well)),
    ];
    const problem = problems.find((p) => p !== null);
    if (problem) return problem;
  }
  return null;
}

test(
  "any text in any slot: shown literally, and the page keeps exactly its own elements and attributes (Chromium's parser)",
  async () => {
    const benign = pages("x").map(wire);
    let batch: Sample[] = [];
    const flush = async () => {
      const problem = await page.evaluate(checkInBrowser, { samples: batch, benign });
      batch = [];
      expect(problem).toBeNull();
    };
    const runs = fuzzRuns();
    const samples = fc.sample(text, { numRuns: runs, seed: 0x1b0c5 });
    for (const s of samples) {
      batch.push({ well: s.toWellFormed(), decidedArguments: JSON.stringify({ [s]: s, recipient_count: 500 }, null, 2), pages: pages(s).map(wire) });
      if (batch.length === BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  },
  fuzzTimeout(),
);
