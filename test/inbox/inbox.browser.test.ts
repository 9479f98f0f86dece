// The approvals inbox in headless Chromium (Debian's chromium, driven by
// playwright-core; scripts/install-chromium.sh installs it). One browser for
// the file, a fresh context (no cookies) per test.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BLAST, startInboxFixture, TOKEN, type InboxFixture } from "./inbox-fixture.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let f: InboxFixture;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every dialog (alert, confirm) any page opened: an executed payload would add one. */
let dialogs: string[];

beforeAll(async () => {
  [f, browser] = await Promise.all([startInboxFixture(), chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] })]);
});
afterAll(async () => {
  await browser?.close();
  await f?.close();
});
beforeEach(async () => {
  dialogs = [];
  context = await browser.newContext();
  page = await context.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});
afterEach(() => context.close());

/** Opens the inbox link once with the token, as a reviewer would from the notification. */
async function signIn(path = "/approvals"): Promise<void> {
  const response = await page.goto(`${f.inbox.url}${path}?token=${TOKEN}`);
  expect(response!.status()).toBe(200);
  expect(page.url()).toBe(`${f.inbox.url}${path}`);
}

/** Submits the decision form with one button; resolves with the POST's status once the page has settled. */
async function submit(button: "approve" | "reject"): Promise<number> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click(`button.${button}`)]);
  await page.waitForLoadState();
  return response.status();
}

test("without the token the inbox is refused (401) and shows nothing of the queue", async () => {
  const { id } = await f.park(BLAST);
  for (const path of ["/approvals", `/approvals/${id}`]) {
    const response = await page.goto(`${f.inbox.url}${path}`);
    expect(response!.status()).toBe(401);
    expect(await page.textContent("h1")).toBe("Sign in");
    expect(await page.content()).not.toContain(id);
  }
  const wrong = await page.goto(`${f.inbox.url}/approvals?token=not-the-token`);
  expect(wrong!.status()).toBe(401);
});

describe("reviewing an email blast to 500 recipients", () => {
  test("listed as pending; an edit the policy denies shows the refusal; a valid edit is approved, recorded, and handed out once", async () => {
    const { id } = await f.park(BLAST);
    await signIn();
    const row = page.locator("#pending tr").filter({ has: page.locator(`a[href="/approvals/${id}"]`) });
    await expect(row.locator("td").nth(0).textContent()).resolves.toBe("send_email_blast");
    await expect(row.locator("td").nth(1).textContent()).resolves.toBe("asst_zzz");
    expect(await row.textContent()).toContain("recipient_count 500 exceeds the approval threshold 100");
    expect(await row.textContent()).toContain("approval_required");

    await row.locator("a").click();
    await page.waitForURL(`${f.inbox.url}/approvals/${id}`);
    expect(JSON.parse(await page.inputValue("#arguments"))).toEqual({ template: "weekly_update", recipient_count: 500, subject: "System Maintenance" });

    // A negative count: the tool's schema says minimum 0, so the gate denies it.
    await page.fill("#arguments", JSON.stringify({ template: "weekly_update", recipient_count: -500, subject: "System Maintenance" }, null, 2));
    expect(await submit("approve")).toBe(422);
    const refusal = await page.textContent("#refusal");
    expect(refusal).toContain("approval_modification_denied");
    expect(refusal).toContain("schema_violation");
    expect(refusal).toContain("arguments.recipient_count must be >= 0");
    expect(JSON.parse(await page.inputValue("#arguments"))).toMatchObject({ recipient_count: -500 });
    expect((await f.store.get(id))!.state).toBe("pending");

    // More recipients than approved: needs an approval of its own, refused as the guard refuses it.
    await page.fill("#arguments", JSON.stringify({ template: "weekly_update", recipient_count: 5000, subject: "System Maintenance" }));
    expect(await submit("approve")).toBe(422);
    expect(await page.textContent("#refusal")).toContain("approval_modification_needs_approval");
    expect((await f.store.get(id))!.state).toBe("pending");

    await page.fill("#arguments", JSON.stringify({ template: "weekly_update", recipient_count: 80, subject: "System Maintenance" }));
    await page.fill("input[name=name]", "Dana");
    await page.fill("textarea[name=note]", "first 80 only");
    expect(await submit("approve")).toBe(303);
    expect(page.url()).toBe(`${f.inbox.url}/approvals/${id}`);
    expect(await page.textContent("#state")).toBe("approved");
    expect(await page.locator("form").count()).toBe(0);
    expect(JSON.parse((await page.textContent("#approved-arguments"))!)).toEqual({ template: "weekly_update", recipient_count: 80, subject: "System Maintenance" });

    const stored = (await f.store.get(id))!;
    expect(stored).toMatchObject({ state: "approved", decidedBy: "Dana (token)", note: "first 80 only", approvedArguments: { recipient_count: 80 } });
    // What a resumed guard does with it: takes it once, and the gate allows the approved arguments.
    const taken = await f.store.consume(id);
    expect(taken?.approvedArguments).toEqual({ template: "weekly_update", recipient_count: 80, subject: "System Maintenance" });
    expect(await f.store.consume(id)).toBeUndefined();
    expect(f.gate.evaluate({ ...taken!.call, arguments: JSON.stringify(taken!.approvedArguments) }, "fresh").decision.effect).toBe("allow");

    await page.goto(`${f.inbox.url}/approvals`);
    const history = page.locator("#history tr").filter({ has: page.locator(`a[href="/approvals/${id}"]`) });
    expect(await history.textContent()).toMatch(/approved[\s\S]*Dana \(token\)[\s\S]*first 80 only/);
  });

  test("two tabs on one approval: the second decision is refused as no longer pending", async () => {
    const { id } = await f.park(BLAST);
    await signIn(`/approvals/${id}`);
    const second = await context.newPage();
    await second.goto(`${f.inbox.url}/approvals/${id}`);
    expect(await submit("approve")).toBe(303);
    const [response] = await Promise.all([second.waitForResponse((r) => r.request().method() === "POST"), second.click("button.reject")]);
    expect(response.status()).toBe(409);
    expect(await second.textContent("#refusal")).toContain("approval_not_pending");
    expect(await second.textContent("#state")).toBe("approved");
    expect(await second.locator("form").count()).toBe(0);
    expect((await f.store.get(id))!.state).toBe("approved");
  });
});

describe("attacker-controlled text renders inert", () => {
  const payload = `</textarea><script>window.__xss = 1; alert("xss-script")</script><img src=x onerror="window.__xss = 2; alert('xss-img')">`;

  test("a payload in the arguments, summary and reasons: no script runs, no element is made, the text is shown literally", async () => {
    const { id } = await f.store.create({
      binding: "call_xss:1",
      call: { surface: "responses", assistant_id: "asst_zzz", call_id: "call_xss", name: "send_email_blast", arguments: "{}" },
      arguments: { template: payload, recipient_count: 500, subject: `"><svg onload=alert('xss-svg')>` },
      reasons: [{ code: "approval_required", message: payload }],
      hint: undefined,
      summary: payload,
      revision: f.gate.revision,
      expiresAt: new Date(Date.now() + 600_000),
    });
    await signIn();
    expect(await page.locator("#pending").textContent()).toContain(payload);
    await page.goto(`${f.inbox.url}/approvals/${id}`);
    expect(JSON.parse(await page.inputValue("#arguments"))).toEqual({ template: payload, recipient_count: 500, subject: `"><svg onload=alert('xss-svg')>` });
    expect(await page.textContent("#summary")).toBe(payload);
    expect(await page.locator("script, img, svg").count()).toBe(0);

    // The same payload typed into the form comes back in the refusal page, still inert.
    await page.fill("#arguments", payload);
    expect(await submit("approve")).toBe(422);
    expect(await page.inputValue("#arguments")).toBe(payload);
    expect(await page.textContent("#refusal")).toContain("arguments_not_json");
    expect(await page.locator("script, img, svg").count()).toBe(0);

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect((await f.store.get(id))!.state).toBe("pending");
  });
});

describe("CSRF", () => {
  test("the form without its CSRF token is refused (403) and records nothing", async () => {
    const { id } = await f.park(BLAST);
    await signIn(`/approvals/${id}`);
    await page.evaluate(() => document.querySelector("input[name=csrf]")!.remove());
    expect(await submit("approve")).toBe(403);
    expect(await page.textContent("p.error")).toContain("CSRF token");
    expect((await f.store.get(id))!.state).toBe("pending");
  });

  describe("a page on another port of the same host (same site: the SameSite cookie goes along)", () => {
    let attacker: Server;
    let attackerUrl: string;
    let target = "";
    beforeAll(async () => {
      // No CSP here: the attacker's page auto-submits a copy of the form.
      attacker = createServer((_req, res) => {
        res.setHeader("content-type", "text/html");
        res.end(`<form method="post" action="${target}"><input name="action" value="approve"><input name="csrf" value="guessed"></form><script>document.forms[0].submit()</script>`);
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

    test("its auto-submitted form is refused (403) and records nothing", async () => {
      const { id } = await f.park(BLAST);
      target = `${f.inbox.url}/approvals/${id}`;
      await signIn();
      const [response] = await Promise.all([page.waitForResponse((r) => r.url() === target && r.request().method() === "POST"), page.goto(attackerUrl)]);
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain("A same-site form post is refused");
      expect((await f.store.get(id))!.state).toBe("pending");
    });
  });
});
