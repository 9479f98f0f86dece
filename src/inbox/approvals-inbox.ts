import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApprovalStateError, UnreadableApprovalError } from "../approval/errors.ts";
import type { ApprovalAnswer, ApprovalState, ApprovalStore } from "../approval/store/approval-store.ts";
import type { Decider } from "../gate/decider.ts";
import type { Reason } from "../gate/decision.ts";
import { checkEditedArguments } from "./edited-arguments.ts";
import { InboxAuthenticator, InboxConfigError, isLoopbackHost, type Identity, type InboxAuth } from "./inbox-auth.ts";
import { approvalPath, detailPage, listPage, messagePage, STYLESHEET, unreadablePage, type DetailForm, type PageContext } from "./pages.ts";
import { effectiveState, readApproval, type ReadableApproval } from "./readable-approval.ts";

export interface ApprovalsInboxOptions {
  /** Where the pending approvals are (the store the guards park calls in). */
  readonly store: ApprovalStore;
  /** Re-decides edited arguments before they are accepted; the same policy and tools as the guards'. */
  readonly gate: Decider;
  readonly auth: InboxAuth;
  /** A path prefix when the inbox is mounted under one (`/review`); links are `<base>/approvals/<id>`. */
  readonly basePath?: string;
  /**
   * The origins the inbox's pages are reached at (`https://review.example.com`),
   * for a reverse proxy that rewrites the Host header: a form post's Origin must
   * be one of them. Default: the request's own Host.
   */
  readonly origins?: readonly string[];
  /** Mark the session cookie Secure (behind HTTPS). */
  readonly secureCookie?: boolean;
  /** How many decided approvals the history shows. Default 50. */
  readonly historyLimit?: number;
  /** Told every decision the inbox records (a line for the server's log). */
  readonly onDecided?: (event: { id: string; status: "approved" | "rejected"; by: string; edited: boolean }) => void;
}

export interface ListeningInbox {
  /** `http://host:port<base>`: the inbox link (what the webhook approver posts as `<inboxUrl>/approvals/<id>`). */
  readonly url: string;
  close(): Promise<void>;
}

export interface ApprovalsInbox {
  /** A node:http request listener: mount it in your own server, or use listen(). */
  readonly handle: RequestListener;
  /** Serves the inbox on its own server. Anonymous access refuses a host that is not loopback. */
  listen(options?: { port?: number; host?: string }): Promise<ListeningInbox>;
}

/** Longest form body accepted: the arguments limit (256 KiB) written out as a form, with room to spare. */
const MAX_FORM_BYTES = 1024 * 1024;
const MAX_NOTE = 2000;
const MAX_NAME = 120;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // No script at all; styles from our own stylesheet only; forms post only to us; never framed.
  "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form posts.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

class HttpRefusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The approvals inbox: pending approvals, a detail page to approve or reject
 * (with edited arguments re-decided by the gate first) and the decided
 * history. Server-rendered HTML, no script; every request authenticated,
 * every POST checked for its CSRF token and origin.
 */
export function createApprovalsInbox(options: ApprovalsInboxOptions): ApprovalsInbox {
  const authenticator = new InboxAuthenticator(options.auth, { secureCookie: options.secureCookie ?? false });
  const base = (options.basePath ?? "").replace(/\/+$/, "");
  if (base !== "" && !/^\/[A-Za-z0-9._~/-]*$/.test(base)) throw new InboxConfigError(`basePath ${JSON.stringify(options.basePath)} must be a plain path such as /review`);
  const { store, gate } = options;
  const origins = options.origins?.map((origin) => {
    try {
      return new URL(origin).origin;
    } catch {
      throw new InboxConfigError(`origin ${JSON.stringify(origin)} is not a URL such as https://review.example.com`);
    }
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const url = new URL(req.url ?? "/", "http://inbox.invalid");
    if (base !== "" && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return send(res, 404, "text/plain; charset=utf-8", "Not found.\n");
    const path = url.pathname.slice(base.length) || "/";
    const signedOutContext: PageContext = { base, signedInAs: undefined, now: new Date() };

    if (path === "/inbox.css") return send(res, 200, "text/css; charset=utf-8", STYLESHEET);

    const auth = authenticator.authenticate(req, url);
    if (!auth.ok) {
      if (auth.challenge) res.setHeader("www-authenticate", auth.challenge);
      return send(res, auth.status, HTML, messagePage(signedOutContext, auth.status === 401 ? "Sign in" : "Refused", auth.message));
    }
    if (auth.setCookie) res.setHeader("set-cookie", auth.setCookie);
    // One leading slash: a path such as //evil.example must not become a link to another host.
    if (auth.redirectTo !== undefined) return redirect(res, `/${auth.redirectTo.replace(/^[/\\]+/, "")}`);
    const identity = auth.identity;
    const context: PageContext = { base, signedInAs: identity.user ?? identity.label, now: new Date() };

    if (path === "/" || path === "/approvals" || path === "/approvals/") {
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(res, context, "GET");
      return send(res, 200, HTML, await renderList(context));
    }
    const match = /^\/approvals\/([^/]+)$/.exec(path);
    if (!match) return send(res, 404, HTML, messagePage(context, "Not found", "There is no such page: the inbox lists approvals at /approvals."));
    let id: string;
    try {
      id = decodeURIComponent(match[1]!);
    } catch {
      return send(res, 400, HTML, messagePage(context, "Bad link", "The approval id in the link is not valid."));
    }
    if (req.method === "GET" || req.method === "HEAD") return renderDetail(res, context, identity, id, 200);
    if (req.method === "POST") return decide(req, res, context, identity, id);
    return methodNotAllowed(res, context, "GET, POST");
  }

  async function renderList(context: PageContext): Promise<string> {
    const errors: string[] = [];
    const listed = async (states: ApprovalState[], limit: number): Promise<ReadableApproval[]> => {
      try {
        const { approvals, unreadable } = await store.list({ states, limit });
        return [...approvals.map(readApproval), ...unreadable.map((row): ReadableApproval => ({ ok: false, id: row.id, problem: row.problem }))];
      } catch (error) {
        errors.push(`The store could not list ${states.join("/")} approvals: ${describe(error)}`);
        return [];
      }
    };
    const pendingRows = await listed(["pending"], 500);
    const history = await listed(["approved", "rejected", "expired"], options.historyLimit ?? 50);
    // A pending row past its expiry is expired: shown in the history, never approvable.
    const pending = pendingRows.filter((item) => !item.ok || effectiveState(item.approval, context.now) === "pending");
    const lapsed = pendingRows.filter((item) => item.ok && effectiveState(item.approval, context.now) !== "pending");
    return listPage(context, { pending, history: [...lapsed, ...history], ...(errors.length > 0 ? { error: errors.join(" ") } : {}) });
  }

  async function readOne(id: string): Promise<ReadableApproval | undefined> {
    let stored: unknown;
    try {
      stored = await store.get(id);
    } catch (error) {
      if (error instanceof UnreadableApprovalError) return { ok: false, id, problem: error.problem };
      return { ok: false, id, problem: `the store could not read it: ${describe(error)}` };
    }
    return stored === undefined ? undefined : readApproval(stored);
  }

  function formFor(identity: Identity, extra: Partial<DetailForm> = {}): DetailForm {
    return { csrf: authenticator.csrfToken(identity), fixedApprover: identity.user, ...extra };
  }

  async function renderDetail(
    res: ServerResponse,
    context: PageContext,
    identity: Identity,
    id: string,
    status: number,
    extra: { form?: Partial<DetailForm>; refusal?: { title: string; reasons: readonly Reason[] } } = {},
  ): Promise<void> {
    const read = await readOne(id);
    if (read === undefined) return send(res, 404, HTML, messagePage(context, "No such approval", `There is no approval ${id} in the store.`));
    if (!read.ok) return send(res, status === 200 ? 500 : status, HTML, unreadablePage(context, id, read.problem));
    const view = { approval: read.approval, form: formFor(identity, extra.form), ...(extra.refusal ? { refusal: extra.refusal } : {}) };
    return send(res, status, HTML, detailPage(context, view));
  }

  async function decide(req: IncomingMessage, res: ServerResponse, context: PageContext, identity: Identity, id: string): Promise<void> {
    const origin = checkOrigin(req, origins);
    if (origin !== undefined) return send(res, 403, HTML, messagePage(context, "Refused", origin));
    const form = await readForm(req);
    if (!authenticator.checkCsrf(identity, single(form, "csrf"))) {
      return send(res, 403, HTML, messagePage(context, "Refused", "The form's CSRF token is missing or wrong: reload the approval page and decide again."));
    }
    const action = single(form, "action");
    const note = (single(form, "note") ?? "").trim().slice(0, MAX_NOTE);
    // A name is one line of plain text: no control or format characters (newlines, ANSI escapes, bidi overrides) reach a log.
    const name = (single(form, "name") ?? "").replace(/[\p{Cc}\p{Cf}]/gu, "").trim().slice(0, MAX_NAME);
    const argumentsText = single(form, "arguments");
    const by = identity.user ?? (name === "" ? identity.label : `${name} (${identity.label})`);
    const kept = { ...(argumentsText === undefined ? {} : { argumentsText }), note, name };
    if (action !== "approve" && action !== "reject") throw new HttpRefusal(400, "The form must say approve or reject (one action).");

    const read = await readOne(id);
    if (read === undefined) return send(res, 404, HTML, messagePage(context, "No such approval", `There is no approval ${id} in the store.`));
    if (!read.ok) return send(res, 409, HTML, unreadablePage(context, id, read.problem));
    const approval = read.approval;
    const state = effectiveState(approval, context.now);
    if (state !== "pending") {
      return renderDetail(res, context, identity, id, 409, { refusal: { title: "Not recorded", reasons: [{ code: "approval_not_pending", message: `this approval is ${state}: it can no longer be decided` }] } });
    }

    let answer: ApprovalAnswer;
    if (action === "reject") {
      answer = { status: "rejected", by, ...(note === "" ? {} : { note }) };
    } else {
      const edit = argumentsText === undefined ? ({ kind: "unchanged" } as const) : await checkEditedArguments(gate, approval, argumentsText);
      if (edit.kind === "refused") {
        return renderDetail(res, context, identity, id, 422, { form: kept, refusal: { title: "The edited arguments were refused; nothing was recorded", reasons: edit.reasons } });
      }
      answer = { status: "approved", by, ...(note === "" ? {} : { note }), ...(edit.kind === "accepted" ? { arguments: edit.arguments } : {}) };
    }
    try {
      await store.decide(id, answer);
    } catch (error) {
      if (error instanceof ApprovalStateError) {
        return renderDetail(res, context, identity, id, 409, { refusal: { title: "Not recorded", reasons: [{ code: error.code, message: error.message }] } });
      }
      throw error;
    }
    options.onDecided?.({ id, status: answer.status, by, edited: answer.status === "approved" && answer.arguments !== undefined });
    return redirect(res, approvalPath({ base }, id));
  }

  const listener: RequestListener = (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpRefusal ? error.status : 500;
      const message = error instanceof HttpRefusal ? error.message : `The inbox failed: ${describe(error)}. Nothing was recorded unless the approval page says so.`;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, status, HTML, messagePage({ base, signedInAs: undefined, now: new Date() }, status === 500 ? "Error" : "Refused", message));
    });
  };

  return {
    handle: listener,
    async listen({ port = 0, host = "127.0.0.1" } = {}) {
      if (authenticator.anonymous && !isLoopbackHost(host)) {
        throw new InboxConfigError(`anonymous access is served on loopback only, not on ${host}: configure a token or basic auth`);
      }
      // node:http is imported when an inbox listens, not with the package: its ESM
      // namespace loads undici (~60 ms CPU), which a serverless cold start should not pay.
      const { createServer } = await import("node:http");
      const server = createServer(listener);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return {
        url: `http://${shown}:${address.port}${base}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  };
}

const HTML = "text/html; charset=utf-8";

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader("location", location);
  res.end();
}

function methodNotAllowed(res: ServerResponse, context: PageContext, allow: string): void {
  res.setHeader("allow", allow);
  send(res, 405, HTML, messagePage(context, "Method not allowed", `This page answers ${allow}.`));
}

/**
 * A cross-site POST is refused by its Origin (or Sec-Fetch-Site) before its
 * token is even read; a client sending neither still needs the CSRF token.
 */
function checkOrigin(req: IncomingMessage, allowed: readonly string[] | undefined): string | undefined {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin" && site !== "none") return `A ${site} form post is refused: decide from the inbox's own page.`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return "The request's Origin is not a URL.";
  }
  const ours = allowed === undefined ? parsed.host === req.headers.host : allowed.includes(parsed.origin);
  return ours ? undefined : `A form post from ${origin} is refused: decide from the inbox's own page.`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new HttpRefusal(415, "The inbox takes its own form posts only (application/x-www-form-urlencoded).");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpRefusal(413, `The form is larger than ${MAX_FORM_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** A field given once, or undefined; given twice is a form the inbox did not write. */
function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new HttpRefusal(400, `The form gives ${name} more than once.`);
  return values[0];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
