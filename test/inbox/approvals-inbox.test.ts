// The inbox over HTTP (no browser): authentication, CSRF and origin checks,
// re-decision of edited arguments by the real seed gate, races, unreadable rows.
// test/inbox/inbox.browser.test.ts drives the same pages in Chromium.
import { request } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { createApprovalsInbox } from "../../src/inbox/approvals-inbox.ts";
import { InboxConfigError } from "../../src/inbox/inbox-auth.ts";
import { BLAST, startInboxFixture, TOKEN, type InboxFixture } from "./inbox-fixture.ts";

let f: InboxFixture;
beforeAll(async () => {
  f = await startInboxFixture();
});
afterAll(() => f.close());

const bearer = { authorization: `Bearer ${TOKEN}` };

async function get(path: string, headers: Record<string, string> = bearer): Promise<Response> {
  return fetch(`${f.inbox.url}${path}`, { headers, redirect: "manual" });
}

/** A GET with the path and headers exactly as given (fetch normalizes paths and will not send a Host header). */
function rawGet(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: res.headers.location });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The CSRF token the detail page hands this identity. */
async function csrfFor(id: string, headers: Record<string, string> = bearer): Promise<string> {
  const page = await (await get(`/approvals/${id}`, headers)).text();
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`no CSRF field on the page:\n${page}`);
  return match[1]!;
}

async function post(id: string, fields: Record<string, string>, headers: Record<string, string> = bearer): Promise<Response> {
  return fetch(`${f.inbox.url}/approvals/${encodeURIComponent(id)}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

async function decideWith(id: string, fields: Record<string, string>): Promise<Response> {
  return post(id, { csrf: await csrfFor(id), ...fields });
}

describe("authentication", () => {
  test("no credentials, a wrong bearer token or a wrong link token: 401 and nothing of the inbox", async () => {
    const { id } = await f.park(BLAST);
    for (const response of [await get("/approvals", {}), await get(`/approvals/${id}`, {}), await get("/approvals", { authorization: "Bearer wrong-token-0123456789" }), await get(`/approvals?token=wrong`, {})]) {
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain(id);
    }
    expect((await post(id, { action: "approve" }, {})).status).toBe(401);
    expect((await f.store.get(id))!.state).toBe("pending");
  });

  test("?token= once: a 303 to the same page without the token and an HttpOnly SameSite=Strict cookie that then signs in", async () => {
    const login = await get("/approvals?token=" + TOKEN + "&x=1", {});
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/approvals?x=1");
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    expect((await get("/approvals", { cookie: session })).status).toBe(200);
    // A forged or altered cookie is no session.
    const tampered = session.replace(/\.(\d+)\./, (_, expiry: string) => `.${Number(expiry) + 1}.`);
    expect((await get("/approvals", { cookie: tampered })).status).toBe(401);
    expect((await get("/approvals", { cookie: "toolgate_inbox=abc.99999999999.def" })).status).toBe(401);
  });

  test("the login redirect never leaves the inbox's host", async () => {
    for (const path of [`/a/..//evil.example/?token=${TOKEN}`, `//evil.example/?token=${TOKEN}`, `/\\evil.example/?token=${TOKEN}`]) {
      const response = await rawGet(f.inbox.url, path, {});
      expect(response.status).toBe(303);
      expect(response.location).toMatch(/^\/(?![/\\])/);
    }
  });

  test("every page carries the CSP and the anti-framing and anti-sniffing headers", async () => {
    for (const response of [await get("/approvals"), await get("/approvals", {}), await get("/no-such-page")]) {
      expect(response.headers.get("content-security-policy")).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  test("configurations that would let anyone in are refused", async () => {
    const options = { store: f.store, gate: f.gate };
    expect(() => createApprovalsInbox({ ...options, auth: {} })).toThrow(InboxConfigError);
    expect(() => createApprovalsInbox({ ...options, auth: { token: "short" } })).toThrow(/16 characters/);
    expect(() => createApprovalsInbox({ ...options, auth: { basic: { username: "a", password: "short" } } })).toThrow(/12 characters/);
    expect(() => createApprovalsInbox({ ...options, auth: { token: TOKEN, anonymous: true } })).toThrow(InboxConfigError);
    await expect(createApprovalsInbox({ ...options, auth: { anonymous: true } }).listen({ host: "0.0.0.0" })).rejects.toThrow(/loopback only/);
  });

  test("anonymous on loopback: served to localhost names only (a rebound DNS name is refused)", async () => {
    const inbox = await createApprovalsInbox({ store: f.store, gate: f.gate, auth: { anonymous: true } }).listen();
    try {
      const port = new URL(inbox.url).port;
      expect((await fetch(`${inbox.url}/approvals`)).status).toBe(200);
      expect((await fetch(`http://localhost:${port}/approvals`)).status).toBe(200);
      expect((await rawGet(inbox.url, "/approvals", { host: `evil.example:${port}` })).status).toBe(421);
      expect((await rawGet(inbox.url, "/approvals", { host: `127.0.0.1:${port}` })).status).toBe(200);
    } finally {
      await inbox.close();
    }
  });

  test("basic auth: a challenge without credentials; the user name is the approver, whatever the form says", async () => {
    const inbox = await createApprovalsInbox({ store: f.store, gate: f.gate, auth: { basic: { username: "alice", password: "correct horse battery" } } }).listen();
    try {
      const refused = await fetch(`${inbox.url}/approvals`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      const wrong = { authorization: `Basic ${Buffer.from("alice:wrong password!").toString("base64")}` };
      expect((await fetch(`${inbox.url}/approvals`, { headers: wrong })).status).toBe(401);
      const alice = { authorization: `Basic ${Buffer.from("alice:correct horse battery").toString("base64")}` };
      const { id } = await f.park(BLAST);
      const page = await (await fetch(`${inbox.url}/approvals/${id}`, { headers: alice })).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const response = await fetch(`${inbox.url}/approvals/${id}`, {
        method: "POST",
        headers: { ...alice, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, action: "approve", name: "mallory" }).toString(),
        redirect: "manual",
      });
      expect(response.status).toBe(303);
      expect((await f.store.get(id))!.decidedBy).toBe("alice");
    } finally {
      await inbox.close();
    }
  });
});

test("under a base path: links, the login redirect and the form carry the prefix; nothing is served outside it", async () => {
  const inbox = await createApprovalsInbox({ store: f.store, gate: f.gate, auth: { token: TOKEN }, basePath: "/review/", secureCookie: true }).listen();
  try {
    expect(inbox.url).toMatch(/\/review$/);
    const { id } = await f.park(BLAST);
    const login = await fetch(`${inbox.url}/approvals/${id}?token=${TOKEN}`, { redirect: "manual" });
    expect(login.headers.get("location")).toBe(`/review/approvals/${id}`);
    expect(login.headers.get("set-cookie")).toMatch(/; Secure$/);
    const page = await (await fetch(`${inbox.url}/approvals/${id}`, { headers: bearer })).text();
    expect(page).toContain(`action="/review/approvals/${id}"`);
    expect(page).toContain('href="/review/inbox.css"');
    expect((await fetch(new URL("/approvals", inbox.url), { headers: bearer })).status).toBe(404);
  } finally {
    await inbox.close();
  }
});

describe("CSRF and origin", () => {
  test("a POST without the CSRF token, with another session's token, or from another origin is refused (403) and records nothing", async () => {
    const { id } = await f.park(BLAST);
    expect((await post(id, { action: "approve" })).status).toBe(403);
    expect((await post(id, { action: "approve", csrf: "forged" })).status).toBe(403);
    // The token of a cookie session does not work for another session.
    const session = (await get(`/approvals?token=${TOKEN}`, {})).headers.get("set-cookie")!.split(";")[0]!;
    const otherSessionToken = await csrfFor(id, { cookie: session });
    expect((await post(id, { action: "approve", csrf: otherSessionToken })).status).toBe(403);
    const csrf = await csrfFor(id);
    expect((await post(id, { action: "approve", csrf }, { ...bearer, origin: "https://evil.example" })).status).toBe(403);
    expect((await post(id, { action: "approve", csrf }, { ...bearer, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await f.store.get(id))!.state).toBe("pending");
  });

  test("behind a proxy that rewrites Host: the configured origins are ours, the Host is not", async () => {
    const inbox = await createApprovalsInbox({ store: f.store, gate: f.gate, auth: { token: TOKEN }, origins: ["https://review.example.com"] }).listen();
    try {
      const decideThere = async (origin: string) => {
        const { id } = await f.park(BLAST);
        const page = await (await fetch(`${inbox.url}/approvals/${id}`, { headers: bearer })).text();
        const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
        const response = await fetch(`${inbox.url}/approvals/${id}`, {
          method: "POST",
          headers: { ...bearer, origin, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrf, action: "reject" }).toString(),
          redirect: "manual",
        });
        return response.status;
      };
      expect(await decideThere("https://review.example.com")).toBe(303);
      expect(await decideThere(inbox.url)).toBe(403);
      expect(() => createApprovalsInbox({ store: f.store, gate: f.gate, auth: { token: TOKEN }, origins: ["review.example.com"] })).toThrow(InboxConfigError);
    } finally {
      await inbox.close();
    }
  });

  test("a form post that is not url-encoded, or repeats a field, is refused", async () => {
    const { id } = await f.park(BLAST);
    const csrf = await csrfFor(id);
    const json = await fetch(`${f.inbox.url}/approvals/${id}`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ csrf, action: "approve" }) });
    expect(json.status).toBe(415);
    const twice = await fetch(`${f.inbox.url}/approvals/${id}`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/x-www-form-urlencoded" },
      body: `csrf=${encodeURIComponent(csrf)}&action=reject&action=approve`,
    });
    expect(twice.status).toBe(400);
    expect((await f.store.get(id))!.state).toBe("pending");
  });
});

describe("deciding", () => {
  test("approve unchanged: recorded with the approver's name and note, no replacement arguments; the page then shows no form", async () => {
    const { id } = await f.park(BLAST);
    const response = await decideWith(id, { action: "approve", name: "Dana", note: "planned maintenance mail", arguments: '{"subject":"System Maintenance","template":"weekly_update","recipient_count":500}' });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/approvals/${id}`);
    const stored = (await f.store.get(id))!;
    expect(stored).toMatchObject({ state: "approved", decidedBy: "Dana (token)", note: "planned maintenance mail" });
    expect(stored.approvedArguments).toBeUndefined();
    const page = await (await get(`/approvals/${id}`)).text();
    expect(page).not.toContain("<form");
    expect(page).toContain('id="state">approved<');
  });

  test("edited arguments the policy allows are recorded; the guard's store consume hands them out once, and the gate allows them", async () => {
    const { id } = await f.park(BLAST);
    const edited = '{"template":"weekly_update","recipient_count":50,"subject":"System Maintenance"}';
    expect((await decideWith(id, { action: "approve", arguments: edited })).status).toBe(303);
    const taken = await f.store.consume(id);
    expect(taken?.approvedArguments).toEqual({ template: "weekly_update", recipient_count: 50, subject: "System Maintenance" });
    expect(await f.store.consume(id)).toBeUndefined();
    expect(f.gate.evaluate({ ...taken!.call, arguments: JSON.stringify(taken!.approvedArguments) }, "fresh").decision.effect).toBe("allow");
  });

  test.each([
    ["a schema violation (negative count)", '{"template":"weekly_update","recipient_count":-5,"subject":"x"}', ["approval_modification_denied", "schema_violation"]],
    ["an undeclared field", '{"template":"weekly_update","recipient_count":5,"subject":"x","bcc":"all@evil.example"}', ["approval_modification_denied", "schema_violation"]],
    ["arguments that need approval of their own", '{"template":"weekly_update","recipient_count":5000,"subject":"x"}', ["approval_modification_needs_approval", "approval_required"]],
    ["a duplicate key (read differently by different parsers)", '{"template":"weekly_update","recipient_count":5,"recipient_count":5000,"subject":"x"}', ["arguments_duplicate_key"]],
    ["an inexact number", '{"template":"weekly_update","recipient_count":9007199254740993,"subject":"x"}', ["arguments_inexact_number"]],
    ["not JSON", "{recipient_count: 5}", ["arguments_not_json"]],
    ["not an object", "[5]", ["arguments_not_object"]],
  ])("edited arguments refused: %s; shown with the reason codes, nothing recorded", async (_, edited, codes) => {
    const { id } = await f.park(BLAST);
    const response = await decideWith(id, { action: "approve", arguments: edited });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain("nothing was recorded");
    for (const code of codes) expect(page).toContain(`<code>${code}</code>`);
    // The edit is kept in the form, escaped, for the reviewer to fix.
    expect(page).toContain(edited.replaceAll('"', "&quot;"));
    expect((await f.store.get(id))!.state).toBe("pending");
  });

  test("the approver's name is one line of plain text: control and format characters are dropped", async () => {
    const { id } = await f.park(BLAST);
    expect((await decideWith(id, { action: "reject", name: "Eve\n2026 approved by admin\u001b[2J\u202e" })).status).toBe(303);
    expect((await f.store.get(id))!.decidedBy).toBe("Eve2026 approved by admin[2J (token)");
  });

  test("reject with a note", async () => {
    const { id } = await f.park(BLAST);
    expect((await decideWith(id, { action: "reject", note: "not this week", name: "Lee" })).status).toBe(303);
    expect(await f.store.get(id)).toMatchObject({ state: "rejected", decidedBy: "Lee (token)", note: "not this week" });
    const list = await (await get("/approvals")).text();
    expect(list).toMatch(new RegExp(`/approvals/${id}[\\s\\S]*?rejected[\\s\\S]*?Lee \\(token\\)[\\s\\S]*?not this week`));
  });

  test("two reviewers racing on one approval: exactly one is recorded, the other is told it is no longer pending", async () => {
    const { id } = await f.park(BLAST);
    const csrf = await csrfFor(id);
    const responses = await Promise.all([post(id, { csrf, action: "approve", name: "A" }), post(id, { csrf, action: "reject", name: "B" }), post(id, { csrf, action: "approve", name: "C" })]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([303, 409, 409]);
    for (const r of responses.filter((r) => r.status === 409)) expect(await r.text()).toContain("approval_not_pending");
    expect((await f.store.get(id))!.state).not.toBe("pending");
  });

  test("an expired approval is shown as expired, in the history, with no form; a late POST is refused", async () => {
    const { id } = await f.park(BLAST, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const detail = await (await get(`/approvals/${id}`)).text();
    expect(detail).toContain('id="state">expired<');
    expect(detail).not.toContain("<form");
    const list = await (await get("/approvals")).text();
    expect(list.slice(list.indexOf('id="history"'))).toContain(id);
    expect(list.slice(list.indexOf('id="pending"'), list.indexOf('id="history"'))).not.toContain(id);
    // The CSRF token belongs to the session, not to one approval: take it from a pending one's page.
    const csrf = await csrfFor((await f.park(BLAST)).id);
    const late = await post(id, { csrf, action: "approve" });
    expect(late.status).toBe(409);
    expect((await f.store.get(id))!.state).not.toBe("approved");
  });

  test("hosted MCP calls cannot be edited in the inbox", async () => {
    const gate = f.gate as Gate;
    const call = { surface: "responses" as const, assistant_id: "asst_zzz", call_id: "call_mcp", name: "get_customer", tool_type: "mcp" as const, server_label: "crm", arguments: '{"customer_id":"c-1"}' };
    const stored = await f.store.create({
      binding: "call_mcp:x",
      call,
      arguments: { customer_id: "c-1" },
      reasons: [{ code: "tool_requires_approval", message: "the MCP tool needs approval" }],
      hint: undefined,
      summary: "CRM lookup",
      revision: gate.revision,
      expiresAt: new Date(Date.now() + 60_000),
    });
    const page = await (await get(`/approvals/${stored.id}`)).text();
    expect(page).toMatch(/<textarea id="arguments"[^>]* readonly>/);
    const response = await decideWith(stored.id, { action: "approve", arguments: '{"customer_id":"c-2"}' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("approval_edit_not_supported");
    expect((await f.store.get(stored.id))!.state).toBe("pending");
  });
});

describe("what the model wrote is text, never markup", () => {
  test("a payload in the arguments, the summary and the call ids is escaped in the list and the detail page", async () => {
    const payload = `</textarea><script>alert(1)</script><img src=x onerror=alert(2)>"'`;
    const { id } = await f.store.create({
      binding: "call_x:1",
      call: { surface: "responses", assistant_id: `asst_"><b>`, call_id: "call_<i>", name: "send_email_blast", arguments: "{}" },
      arguments: { template: payload, recipient_count: 500, subject: payload },
      reasons: [{ code: "approval_required", message: payload }],
      hint: undefined,
      summary: payload,
      revision: f.gate.revision,
      expiresAt: new Date(Date.now() + 60_000),
    });
    for (const page of [await (await get("/approvals")).text(), await (await get(`/approvals/${id}`)).text()]) {
      expect(page).not.toMatch(/<script|<img|<\/textarea><script|<b>|<i>/);
      expect(page).toContain("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;");
    }
  });
});

describe("rows the inbox cannot read are shown as unreadable and never approvable", () => {
  test("a row of the wrong shape: listed as unreadable; its page has no form; a POST is refused", async () => {
    const { id } = await f.park(BLAST);
    const db = new DatabaseSync(f.file);
    // JSON of the right kind for the store, but not a call the inbox can show.
    db.prepare(`UPDATE approvals SET call = '{"name": 1}' WHERE id = ?`).run(id);
    db.close();
    const list = await (await get("/approvals")).text();
    expect(list).toMatch(new RegExp(`${id}</a>: unreadable \\(the call lacks its name, call_id, assistant_id or arguments\\)`));
    const detail = await get(`/approvals/${id}`);
    expect(detail.status).toBe(500);
    const text = await detail.text();
    expect(text).toContain('id="unreadable"');
    expect(text).not.toContain("<form");
    const csrf = await csrfFor((await f.park(BLAST)).id);
    expect((await post(id, { csrf, action: "approve" })).status).toBe(409);
    expect((await f.store.get(id))!.state).toBe("pending");
  });

  test("a row the store cannot read (JSON that does not parse): listed as unreadable beside the others, its page says so, a POST changes nothing", async () => {
    const readable = await f.park(BLAST);
    const { id } = await f.park(BLAST);
    const db = new DatabaseSync(f.file);
    db.prepare("UPDATE approvals SET call = '{not json' WHERE id = ?").run(id);
    const list = await get("/approvals");
    expect(list.status).toBe(200);
    const page = await list.text();
    expect(page).not.toMatch(/The store could not list/);
    expect(page).toMatch(new RegExp(`${id}</a>: unreadable \\(column call is not JSON\\)`));
    expect(page).toContain(`/approvals/${readable.id}`);
    const detail = await get(`/approvals/${id}`);
    expect(detail.status).toBe(500);
    const text = await detail.text();
    expect(text).toContain('id="unreadable"');
    expect(text).toContain("cannot be read (column call is not JSON)");
    expect(text).not.toContain("<form");
    const csrf = await csrfFor(readable.id);
    expect((await post(id, { csrf, action: "approve" })).status).toBe(409);
    expect(db.prepare("SELECT state, decided_by FROM approvals WHERE id = ?").get(id)).toEqual({ state: "pending", decided_by: null });
    // Repair it so the other tests' list pages stay readable.
    db.prepare("DELETE FROM approvals WHERE id = ?").run(id);
    db.close();
  });
});
