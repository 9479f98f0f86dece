// A port of Go's net/url parsing (Go 1.26, the toolchain of the pinned opa,
// with its default GODEBUG: strict colons in http(s) hosts) for uri.* and
// urlquery.*. Go works on bytes: text is handled here as a byte string (one
// char per UTF-8 byte) and turned back into text only when it is valid UTF-8;
// a decoded value that is not (e.g. "%ff") cannot be carried to the policy as
// Go carries it, so it fails the evaluation (UnanswerableError).
import { isIPv6Address } from "./net.ts";
import { UnanswerableError } from "./unanswerable.ts";

/** net/url's encoding modes: which part of a URL a byte is escaped or unescaped for. */
export const Encoding = {
  Path: 1,
  PathSegment: 2,
  Host: 3,
  Zone: 4,
  UserPassword: 5,
  QueryComponent: 6,
  Fragment: 7,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of text, one char per byte. */
export function toBytes(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** Text of a byte string, or UnanswerableError when Go's string would not be valid UTF-8. */
export function fromBytes(builtin: string, bytes: string): string {
  try {
    return utf8.decode(Buffer.from(bytes, "latin1"));
  } catch {
    throw new UnanswerableError(builtin, "a decoded value that is not valid UTF-8");
  }
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function ishex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  return 9 * (c >> 6) + (c & 15);
}

/** net/url's shouldEscape (gen_encoding_table.go). */
export function shouldEscape(c: number, mode: Encoding): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === Encoding.Host || mode === Encoding.Zone) && "!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  if ("-_.~".includes(ch)) return false;
  if ("$&+,/:;=?@".includes(ch)) {
    switch (mode) {
      case Encoding.Path: return ch === "?";
      case Encoding.PathSegment: return "/;,?".includes(ch);
      case Encoding.UserPassword: return "@/?:".includes(ch);
      case Encoding.QueryComponent: return true;
      case Encoding.Fragment: return false;
      default: break;
    }
  }
  if (mode === Encoding.Fragment && "!()*".includes(ch)) return false;
  return true;
}

export class GoUrlError extends Error {}

/** net/url's unescape over a byte string. */
export function unescape(s: string, mode: Encoding): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !ishex(s.charCodeAt(i + 1)) || !ishex(s.charCodeAt(i + 2))) throw new GoUrlError("invalid URL escape");
      if (mode === Encoding.Host && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== "%25") throw new GoUrlError("invalid URL escape");
      if (mode === Encoding.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== "%25" && v !== 0x20 && shouldEscape(v, Encoding.Host)) throw new GoUrlError("invalid URL escape");
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Encoding.QueryComponent;
      i++;
    } else {
      if ((mode === Encoding.Host || mode === Encoding.Zone) && c < 0x80 && shouldEscape(c, mode)) throw new GoUrlError("invalid character in host name");
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 0x2b) {
      t += mode === Encoding.QueryComponent ? " " : "+";
    } else {
      t += s[i];
    }
  }
  return t;
}

const UPPER_HEX = "0123456789ABCDEF";

/** net/url's escape over a byte string. */
export function escape(s: string, mode: Encoding): string {
  let t = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === Encoding.QueryComponent) t += "+";
    else if (shouldEscape(c, mode)) t += `%${UPPER_HEX[c >> 4]}${UPPER_HEX[c & 15]}`;
    else t += s[i];
  }
  return t;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ["", raw];
    } else if (c === ":") {
      if (i === 0) throw new GoUrlError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    } else {
      return ["", raw];
    }
  }
  return ["", raw];
}

/** validOptionalPort: "" or ":" followed by ASCII digits. */
function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf("[");
  if (open > 0) throw new GoUrlError("invalid IP-literal");
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new GoUrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new GoUrlError("invalid port after host");
    const unescapedColonPort = unescape(colonPort, Encoding.Host);
    const hostname = host.slice(1, close);
    const zoneIdx = hostname.indexOf("%25");
    const unescapedHostname = zoneIdx >= 0
      ? unescape(hostname.slice(0, zoneIdx), Encoding.Host) + unescape(hostname.slice(zoneIdx), Encoding.Zone)
      : unescape(hostname, Encoding.Host);
    if (!isIPv6Address(unescapedHostname)) throw new GoUrlError("invalid host");
    return `[${unescapedHostname}]${unescapedColonPort}`;
  }
  let i = host.indexOf(":");
  if (i !== -1) {
    const lastColon = host.lastIndexOf(":");
    // Go 1.26's default (urlstrictcolons=1): only http and https refuse a second colon.
    if (lastColon !== i && scheme !== "http" && scheme !== "https") i = lastColon;
    if (!validOptionalPort(host.slice(i))) throw new GoUrlError("invalid port after host");
  }
  return unescape(host, Encoding.Host);
}

function parseAuthority(scheme: string, authority: string): string {
  const at = authority.lastIndexOf("@");
  const host = parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return host;
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) throw new GoUrlError("net/url: invalid userinfo");
  const colon = userinfo.indexOf(":");
  if (colon < 0) unescape(userinfo, Encoding.UserPassword);
  else {
    unescape(userinfo.slice(0, colon), Encoding.UserPassword);
    unescape(userinfo.slice(colon + 1), Encoding.UserPassword);
  }
  return host;
}

/** The fields of Go's url.URL that OPA's builtins read, as byte strings. */
export interface GoURL {
  scheme: string;
  opaque: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** url.Parse over a byte string; throws GoUrlError where Go returns an error. */
export function parseUrl(raw: string): GoURL {
  const [u, frag] = cut(raw, "#");
  const url = parseReference(u);
  if (frag !== "") url.fragment = unescape(frag, Encoding.Fragment);
  return url;
}

function parseReference(raw: string): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new GoUrlError("net/url: invalid control character in URL");
  const url: GoURL = { scheme: "", opaque: "", host: "", path: "", rawPath: "", rawQuery: "", fragment: "" };
  if (raw === "*") {
    url.path = "*";
    return url;
  }
  let [scheme, rest] = getScheme(raw);
  url.scheme = scheme.toLowerCase();
  scheme = url.scheme;
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    rest = rest.slice(0, -1);
  } else {
    [rest, url.rawQuery] = cut(rest, "?");
  }
  if (!rest.startsWith("/")) {
    if (scheme !== "") {
      url.opaque = rest;
      return url;
    }
    if (cut(rest, "/")[0].includes(":")) throw new GoUrlError("first path segment in URL cannot contain colon");
  }
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    url.host = parseAuthority(scheme, authority);
  }
  url.path = unescape(rest, Encoding.Path);
  url.rawPath = escape(url.path, Encoding.Path) === rest ? "" : rest;
  return url;
}

/** url.URL's splitHostPort: Hostname and Port. */
export function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(host.slice(colon))) [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}
