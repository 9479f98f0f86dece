import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ToolgateError } from "../errors.ts";

/**
 * Who may use the inbox. At least one credential, or `anonymous: true`, which
 * is served only to loopback clients asking for a loopback host name.
 */
export interface InboxAuth {
  /** A bearer token: `Authorization: Bearer …`, or `?token=…` once in a browser (then a session cookie). */
  readonly token?: string;
  /** HTTP basic auth; the user name becomes the approver's name. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** No credentials: only for a server bound to and reached through loopback. */
  readonly anonymous?: boolean;
}

/** The inbox was configured in a way that would let someone in unchecked. */
export class InboxConfigError extends ToolgateError {
  constructor(message: string) {
    super("inbox_config_invalid", message);
  }
}

/** Who made a request, and the key its CSRF token is derived from. */
export interface Identity {
  /** What the approver is recorded as when the form names nobody: `basic:alice`, `token`, `anonymous`. */
  readonly label: string;
  /** A basic-auth user name: recorded as the approver, whatever the form says. */
  readonly user?: string;
  /** The session (cookie) or credential the CSRF token is bound to. */
  readonly sessionKey: string;
}

export type Authentication =
  | { readonly ok: true; readonly identity: Identity; readonly setCookie?: string; readonly redirectTo?: string }
  | { readonly ok: false; readonly status: 401 | 403 | 421; readonly message: string; readonly challenge?: string };

const COOKIE = "toolgate_inbox";
const SESSION_SECONDS = 12 * 60 * 60;
const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Same content, compared in time that depends only on the lengths of the digests (equal). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host name of a Host header, without its port. */
function hostName(header: string | undefined): string {
  if (header === undefined) return "";
  const bracketed = /^(\[[^\]]*\])(:\d+)?$/.exec(header);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return header.replace(/:\d+$/, "").toLowerCase();
}

/**
 * Checks credentials on every request. A browser logs in once with
 * `?token=…` (or basic auth) and then carries an HttpOnly SameSite=Strict
 * session cookie, signed with a key that lives as long as the process.
 */
export class InboxAuthenticator {
  readonly #auth: InboxAuth;
  readonly #key = randomBytes(32);
  readonly #secureCookie: boolean;

  constructor(auth: InboxAuth, options: { secureCookie?: boolean } = {}) {
    const hasToken = typeof auth.token === "string";
    const hasBasic = auth.basic !== undefined;
    if (hasToken && auth.token!.length < 16) throw new InboxConfigError("the inbox token is shorter than 16 characters: use a long random one (e.g. `openssl rand -hex 32`)");
    if (hasBasic && (auth.basic!.username === "" || auth.basic!.username.includes(":") || auth.basic!.password.length < 12)) {
      throw new InboxConfigError("basic auth needs a user name without ':' and a password of at least 12 characters");
    }
    if (!hasToken && !hasBasic && auth.anonymous !== true) {
      throw new InboxConfigError("the inbox needs a token (TOOLGATE_INBOX_TOKEN) or basic auth; anonymous access must be asked for explicitly and is served on loopback only");
    }
    if ((hasToken || hasBasic) && auth.anonymous === true) throw new InboxConfigError("anonymous access and credentials exclude each other: configure one");
    this.#auth = auth;
    this.#secureCookie = options.secureCookie ?? false;
  }

  get anonymous(): boolean {
    return this.#auth.anonymous === true;
  }

  authenticate(req: IncomingMessage, url: URL): Authentication {
    if (this.anonymous) return this.#anonymous(req);
    const header = req.headers.authorization;
    if (typeof header === "string") {
      const fromHeader = this.#fromHeader(header);
      if (fromHeader) return { ok: true, identity: fromHeader };
      return this.#refuse("the credentials in the Authorization header are wrong");
    }
    const queryToken = url.searchParams.get("token");
    if (queryToken !== null) {
      if (this.#auth.token === undefined || !sameSecret(queryToken, this.#auth.token)) return this.#refuse("the token in the link is wrong");
      // The token leaves the address bar at once: the session cookie carries on.
      url.searchParams.delete("token");
      const session = this.#newSession();
      return { ok: true, identity: this.#tokenIdentity(session), setCookie: this.#cookie(session), redirectTo: url.pathname + url.search };
    }
    const session = this.#sessionFromCookie(req.headers.cookie);
    if (session !== undefined) return { ok: true, identity: this.#tokenIdentity(session) };
    return this.#refuse("sign in: open the inbox link with ?token=… (or use basic auth)");
  }

  /** The CSRF token of an identity: an HMAC of its session key, so it cannot be forged or moved to another session. */
  csrfToken(identity: Identity): string {
    return createHmac("sha256", this.#key).update(`csrf\0${identity.sessionKey}`).digest("base64url");
  }

  checkCsrf(identity: Identity, given: string | undefined): boolean {
    return typeof given === "string" && sameSecret(given, this.csrfToken(identity));
  }

  #anonymous(req: IncomingMessage): Authentication {
    const address = req.socket.remoteAddress ?? "";
    if (!LOOPBACK_ADDRESSES.has(address)) return { ok: false, status: 403, message: "anonymous access is served to loopback clients only" };
    // A page on another site rebinding its DNS name to 127.0.0.1 would otherwise read the inbox.
    if (!LOOPBACK_HOSTS.has(hostName(req.headers.host))) return { ok: false, status: 421, message: "anonymous access answers only to localhost, 127.0.0.1 or [::1]" };
    return { ok: true, identity: { label: "anonymous", sessionKey: "anonymous" } };
  }

  #fromHeader(header: string): Identity | undefined {
    const [scheme, value = ""] = header.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme ?? "") && this.#auth.token !== undefined) {
      return sameSecret(value, this.#auth.token) ? { label: "token", sessionKey: "bearer" } : undefined;
    }
    if (/^basic$/i.test(scheme ?? "") && this.#auth.basic !== undefined) {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return undefined;
      const user = decoded.slice(0, colon);
      // Both compared, always: which half was wrong is not told by the time taken.
      const userOk = sameSecret(user, this.#auth.basic.username);
      const passwordOk = sameSecret(decoded.slice(colon + 1), this.#auth.basic.password);
      return userOk && passwordOk ? { label: `basic:${user}`, user, sessionKey: `basic\0${user}` } : undefined;
    }
    return undefined;
  }

  #tokenIdentity(session: string): Identity {
    return { label: "token", sessionKey: `session\0${session}` };
  }

  #refuse(message: string): Authentication {
    return { ok: false, status: 401, message, ...(this.#auth.basic ? { challenge: 'Basic realm="toolgate approvals", charset="UTF-8"' } : {}) };
  }

  #newSession(): string {
    const id = randomBytes(18).toString("base64url");
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    return `${id}.${expires}`;
  }

  #sign(session: string): string {
    return createHmac("sha256", this.#key).update(`session\0${session}`).digest("base64url");
  }

  #cookie(session: string): string {
    const secure = this.#secureCookie ? "; Secure" : "";
    return `${COOKIE}=${session}.${this.#sign(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`;
  }

  #sessionFromCookie(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    for (const part of header.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name !== COOKIE) continue;
      const match = /^([A-Za-z0-9_-]+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(rest.join("="));
      if (!match) continue;
      const session = `${match[1]}.${match[2]}`;
      if (!sameSecret(match[3]!, this.#sign(session))) continue;
      if (Number(match[2]) * 1000 <= Date.now()) continue;
      return session;
    }
    return undefined;
  }
}
