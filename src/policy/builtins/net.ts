// net.cidr_is_valid, net.cidr_expand, net.cidr_contains_matches and
// net.cidr_merge as OPA's Go builtins (topdown/cidr.go, internal/cidr/merge):
// a port of Go's net.ParseIP / net.ParseCIDR (netip's strict parser: no
// leading zeros in IPv4 octets, no zones) and of net.IP / net.IPNet's byte
// arithmetic, 4-byte and 16-byte forms kept apart as Go keeps them.
import { parseRegoText, type RegoValue } from "./rego-text.ts";
import { regoText, stringSet, textSet, type RegoTextResult } from "./rego-result.ts";
import { UnanswerableError } from "./unanswerable.ts";

type Bytes = number[];
interface IPNet { ip: Bytes; mask: Bytes }

/** cidr_expand builds at most this many addresses (Go builds any number until the query is cancelled). */
export const MAX_EXPANDED_ADDRESSES = 65_536;

const V4_IN_V6_PREFIX: Bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** netip's parseIPv4Fields: exactly four decimal octets, no leading zeros, each <= 255. */
function parseIPv4Fields(s: string): Bytes | undefined {
  const fields: Bytes = [];
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) return undefined;
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) return undefined;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") return undefined;
      if (fields.length === 3) return undefined;
      fields.push(val);
      val = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (fields.length < 3) return undefined;
  fields.push(val);
  return fields;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** netip's parseIPv6, refusing a zone (ParseIP and ParseCIDR reject zoned addresses). */
function parseIPv6(input: string): Bytes | undefined {
  if (input.includes("%")) return undefined;
  let s = input;
  const ip: Bytes = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const h = hexValue(s.charCodeAt(off));
      if (h < 0) break;
      acc = acc * 16 + h;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === ".") {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return undefined;
      const v4 = parseIPv4Fields(s);
      if (!v4) return undefined;
      ip.splice(i, 4, ...v4);
      s = "";
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/**
 * Whether netip.ParseAddr reads s as an IPv6 address, a zone allowed (what
 * Go's url.Parse accepts between brackets: not IPv4, but IPv4-mapped IPv6).
 */
export function isIPv6Address(s: string): boolean {
  const first = /[.:%]/.exec(s)?.[0];
  if (first !== ":") return false;
  const zone = s.indexOf("%");
  if (zone === s.length - 1) return false;
  return parseIPv6(zone < 0 ? s : s.slice(0, zone)) !== undefined;
}

/** netip.ParseAddr without zones: the 16-byte form and whether it was written as IPv4. */
function parseAddr(s: string): { ip16: Bytes; is4: boolean } | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ".") {
      const v4 = parseIPv4Fields(s);
      return v4 && { ip16: [...V4_IN_V6_PREFIX, ...v4], is4: true };
    }
    if (s[i] === ":") {
      const v6 = parseIPv6(s);
      return v6 && { ip16: v6, is4: false };
    }
    if (s[i] === "%") return undefined;
  }
  return undefined;
}

/** net.ParseIP: the 16-byte form, or undefined. */
export function parseIP(s: string): Bytes | undefined {
  return parseAddr(s)?.ip16;
}

/** net.CIDRMask(ones, bits). */
function cidrMask(ones: number, bits: number): Bytes {
  const m: Bytes = [];
  for (let i = 0; i < bits / 8; i++) {
    const n = Math.max(0, Math.min(8, ones - i * 8));
    m.push((0xff00 >> n) & 0xff);
  }
  return m;
}

/** Go's net dtoi: leading decimal digits, at most 0xFFFFFF. */
function dtoi(s: string): number | undefined {
  let n = 0;
  let i = 0;
  for (; i < s.length && s[i]! >= "0" && s[i]! <= "9"; i++) {
    n = n * 10 + (s.charCodeAt(i) - 0x30);
    if (n >= 0xffffff) return undefined;
  }
  return i === 0 || i !== s.length ? undefined : n;
}

/** net.ParseCIDR: the address (16 bytes) and its network (IP masked, 4 or 16 bytes as the mask). */
export function parseCIDR(s: string): { ip: Bytes; net: IPNet } | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  if (!addr) return undefined;
  const bits = addr.is4 ? 32 : 128;
  const n = dtoi(s.slice(slash + 1));
  if (n === undefined || n > bits) return undefined;
  const mask = cidrMask(n, bits);
  return { ip: addr.ip16, net: { ip: maskIP(addr.ip16, mask)!, mask } };
}

function isZeros(b: Bytes): boolean {
  return b.every((x) => x === 0);
}

function hasV4Prefix(ip: Bytes): boolean {
  return ip.length === 16 && isZeros(ip.slice(0, 10)) && ip[10] === 0xff && ip[11] === 0xff;
}

/** net.IP.To4. */
function to4(ip: Bytes): Bytes | undefined {
  if (ip.length === 4) return ip;
  return hasV4Prefix(ip) ? ip.slice(12) : undefined;
}

/** net.IP.Mask. */
function maskIP(ip: Bytes, mask: Bytes): Bytes | undefined {
  let m = mask;
  let x = ip;
  if (m.length === 16 && x.length === 4 && m.slice(0, 12).every((b) => b === 0xff)) m = m.slice(12);
  if (m.length === 4 && x.length === 16 && hasV4Prefix(x)) x = x.slice(12);
  if (x.length !== m.length) return undefined;
  return x.map((b, i) => b & m[i]!);
}

/** net.IP.Equal. */
function ipEqual(a: Bytes, b: Bytes): boolean {
  if (a.length === b.length) return a.every((x, i) => x === b[i]);
  if (a.length === 4 && b.length === 16) return hasV4Prefix(b) && a.every((x, i) => x === b[12 + i]);
  if (a.length === 16 && b.length === 4) return hasV4Prefix(a) && b.every((x, i) => x === a[12 + i]);
  return false;
}

function networkNumberAndMask(n: IPNet): { nn: Bytes; m: Bytes } | undefined {
  let ip = to4(n.ip);
  if (!ip) {
    ip = n.ip;
    if (ip.length !== 16) return undefined;
  }
  let m = n.mask;
  if (m.length === 4) {
    if (ip.length !== 4) return undefined;
  } else if (m.length === 16) {
    if (ip.length === 4) m = m.slice(12);
  } else {
    return undefined;
  }
  return { nn: ip, m };
}

/** net.IPNet.Contains. */
function contains(n: IPNet, ip: Bytes): boolean {
  const nm = networkNumberAndMask(n);
  if (!nm) return false;
  const x = to4(ip) ?? ip;
  if (x.length !== nm.nn.length) return false;
  return x.every((b, i) => (nm.nn[i]! & nm.m[i]!) === (b & nm.m[i]!));
}

/** net.IPMask.Size: ones and bits of a canonical mask, else 0, 0. */
function maskSize(m: Bytes): [number, number] {
  let ones = 0;
  let seenZero = false;
  for (const b of m) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (seenZero) return [0, 0];
        ones++;
      } else seenZero = true;
    }
  }
  return [ones, m.length * 8];
}

/** netip's IPv6 text: the first longest run of two or more zero groups as "::". */
function ipv6String(ip: Bytes): string {
  const groups = Array.from({ length: 8 }, (_, i) => (ip[2 * i]! << 8) | ip[2 * i + 1]!);
  let zeroStart = -1;
  let zeroLen = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > zeroLen) [zeroStart, zeroLen] = [i, j - i];
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += "::";
      i += zeroLen;
      if (i >= 8) break;
    } else if (i > 0) out += ":";
    out += groups[i]!.toString(16);
  }
  return out;
}

/** net.IP.String. */
export function ipString(ip: Bytes): string {
  if (ip.length !== 4 && ip.length !== 16) throw new UnanswerableError("net", `an address of ${ip.length} bytes`);
  const v4 = to4(ip);
  return v4 ? v4.join(".") : ipv6String(ip);
}

/** net.IPNet.String (masks are always contiguous here: CIDRMask). */
function netString(n: IPNet): string {
  const nm = networkNumberAndMask(n);
  if (!nm) throw new UnanswerableError("net", "a network Go prints as <nil>");
  const [ones, bits] = maskSize(nm.m);
  if (ones === 0 && bits === 0 && !isZeros(nm.m)) throw new UnanswerableError("net", "a non-contiguous mask");
  return `${ipString(nm.nn)}/${ones}`;
}

function stringOperand(name: string, v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`${name}: operand must be a string`);
  return v;
}

export function cidrIsValid(cidr: unknown): boolean {
  return typeof cidr === "string" && parseCIDR(cidr) !== undefined;
}

function incIP(ip: Bytes): void {
  for (let j = ip.length - 1; j >= 0; j--) {
    ip[j] = (ip[j]! + 1) & 0xff;
    if (ip[j]! > 0) break;
  }
}

/** net.cidr_expand: the loop of Go's builtin, bounded. */
export function cidrExpand(cidr: unknown): RegoTextResult {
  const parsed = parseCIDR(stringOperand("net.cidr_expand", cidr));
  if (!parsed) throw new Error("net.cidr_expand: invalid CIDR address");
  const out: string[] = [];
  const ip = maskIP(parsed.ip, parsed.net.mask);
  if (ip) {
    const seen = new Set<string>();
    while (contains(parsed.net, ip)) {
      const text = ipString(ip);
      if (seen.has(text)) break; // wrapped around: Go's set would not grow further
      if (out.length >= MAX_EXPANDED_ADDRESSES) {
        throw new UnanswerableError("net.cidr_expand", `more than ${MAX_EXPANDED_ADDRESSES} addresses`);
      }
      seen.add(text);
      out.push(text);
      incIP(ip);
    }
  }
  return stringSet(out);
}

/** topdown's getLastIP. */
function lastIP(n: IPNet): Bytes {
  const [prefixLen, bits] = maskSize(n.mask);
  if (prefixLen === 0 && bits === 0) throw new Error("CIDR mask is in non-standard format");
  if (prefixLen === bits) return n.ip;
  const first = n.ip.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const last = first | ((1n << BigInt(bits - prefixLen)) - 1n);
  return toBytes(last, bits / 8);
}

function toBytes(value: bigint, length: number): Bytes {
  const out: Bytes = new Array<number>(length).fill(0);
  let v = value;
  for (let i = length - 1; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function isPlainIPv6Net(n: IPNet): boolean {
  return n.ip.length === 16 && n.mask.length === 16 && to4(n.ip) === undefined;
}

/** The second operand of topdown's builtinNetCIDRContains: an address, else a network. */
type AddressOrNetwork = { ip: Bytes } | { net: IPNet };

function addressOrNetwork(b: string): AddressOrNetwork {
  const ip = parseIP(b);
  if (ip) return { ip };
  const net = parseCIDR(b)?.net;
  if (!net) throw new Error(`not a valid textual representation of an IP address or CIDR: ${b}`);
  return { net };
}

function networkOperand(a: string): IPNet {
  const net = parseCIDR(a)?.net;
  if (!net) throw new Error("invalid CIDR address");
  return net;
}

/** topdown's builtinNetCIDRContains (net.cidr_contains), on parsed operands. */
function cidrContains(netA: IPNet, b: AddressOrNetwork): boolean {
  if ("ip" in b) return contains(netA, b.ip);
  const netB = b.net;
  if (isPlainIPv6Net(netA) && isPlainIPv6Net(netB)) {
    const masked = maskIP(netB.ip, netA.mask);
    return maskSize(netA.mask)[0] <= maskSize(netB.mask)[0] && masked !== undefined && ipEqual(netA.ip, masked);
  }
  return contains(netA, netB.ip) && contains(netA, lastIP(netB));
}

/** The CIDRs of a contains_matches operand, each with its index term as Rego text. */
function matchOperand(operand: number, v: RegoValue): Array<{ cidr: RegoValue; index: string }> {
  const element = (x: RegoValue): RegoValue => {
    if (x.kind === "string") return x;
    if (x.kind === "array" && x.items.length > 0) return x.items[0]!;
    throw new Error(`operand ${operand}: element must be string or non-empty array`);
  };
  switch (v.kind) {
    case "string": return [{ cidr: v, index: regoText(v) }];
    case "array": return v.items.map((x, i) => ({ cidr: element(x), index: String(i) }));
    case "set": return v.items.map((x) => ({ cidr: element(x), index: regoText(x) }));
    case "object": return v.entries.map(([k, x]) => ({ cidr: element(x), index: regoText(k) }));
    default: return [];
  }
}

/** cidr_contains_matches compares at most this many pairs (Go compares every pair, however many). */
export const MAX_CIDR_PAIRS = 100_000;

/**
 * net.cidr_contains_matches: operands as Rego text, so a set's elements and
 * an object's keys are its indexes. Go parses both texts of every pair; each
 * is parsed once here (when there is a pair at all, each element is in one, so
 * the same inputs fail), and the pairs are bounded: every one may match.
 */
export const cidrContainsMatches = Object.assign(
  (cidrsText: string, cidrsOrIpsText: string): RegoTextResult => {
    const left = matchOperand(1, parseRegoText(cidrsText));
    // Go reads the second operand only while iterating the first.
    const right = left.length === 0 ? [] : matchOperand(2, parseRegoText(cidrsOrIpsText));
    if (right.length === 0) return textSet([]);
    if (left.length * right.length > MAX_CIDR_PAIRS) throw new UnanswerableError("net.cidr_contains_matches", `more than ${MAX_CIDR_PAIRS} pairs to compare`);
    const text = (x: RegoValue): string => {
      if (x.kind !== "string") throw new TypeError("net.cidr_contains_matches: operand must be a string");
      return x.value;
    };
    const texts = [...left.map((a) => text(a.cidr)), ...right.map((b) => text(b.cidr))];
    const networks = texts.slice(0, left.length).map(networkOperand);
    const others = texts.slice(left.length).map(addressOrNetwork);
    const found: string[] = [];
    left.forEach((a, i) => {
      right.forEach((b, j) => {
        if (cidrContains(networks[i]!, others[j]!)) found.push(`[${a.index}, ${b.index}]`);
      });
    });
    return textSet(found);
  },
  { readsRegoText: true as const },
);

// net.cidr_merge: a port of topdown's builtinNetCIDRMerge and OPA's
// internal/cidr/merge (from Cilium), byte for byte.

interface BlockRange { first: Bytes; last: Bytes; network?: IPNet }

function compareBytes(a: Bytes, b: Bytes): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return Math.sign(a.length - b.length);
}

function toBig(b: Bytes): bigint {
  return b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}

/** big.Int.Bytes: big-endian without leading zeros. */
function bigBytes(v: bigint): Bytes {
  const out: Bytes = [];
  for (let x = v; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return out;
}

const IPV4_LEADING_ZEROES: Bytes = new Array<number>(10).fill(0);
const DEFAULT_IPV4: Bytes = [...V4_IN_V6_PREFIX, 0, 0, 0, 0];
const DEFAULT_IPV6: Bytes = new Array<number>(16).fill(0);
const UPPER_IPV4: Bytes = [...V4_IN_V6_PREFIX, 255, 255, 255, 255];
const UPPER_IPV6: Bytes = new Array<number>(16).fill(0xff);

/** merge.GetAddressRange. */
function addressRange(n: IPNet): [Bytes, Bytes] {
  let first = maskIP(n.ip, n.mask);
  let last = maskIP(n.ip, n.mask);
  if (!first || !last) throw new UnanswerableError("net.cidr_merge", "a network whose address and mask do not fit");
  if (to4(first)) {
    first = [...V4_IN_V6_PREFIX, ...first];
    last = [...V4_IN_V6_PREFIX, ...last];
  }
  if (first.length !== 16) throw new UnanswerableError("net.cidr_merge", "an IPv4-mapped IPv6 network");
  const m = n.mask;
  for (let i = 0; i < m.length; i++) last[15 - i]! |= ~m[m.length - i - 1]! & 0xff;
  return [first, last];
}

/** merge.GetPreviousIP. */
function previousIP(ip: Bytes): Bytes {
  if (ipEqual(ip, DEFAULT_IPV4) || ipEqual(ip, DEFAULT_IPV6)) return ip;
  const prev = [...ip];
  let overflow = false;
  const lower = to4(ip) ? 12 : 0;
  for (let i = ip.length - 1; i >= lower; i--) {
    if (overflow || i === ip.length - 1) prev[i] = (prev[i]! - 1) & 0xff;
    overflow = ip[i] === 0 && prev[i] === 255;
  }
  return prev;
}

/** merge.getNextIP. */
function nextIP(ip: Bytes): Bytes {
  if (ipEqual(ip, UPPER_IPV4) || ipEqual(ip, UPPER_IPV6)) return ip;
  if (ip.length === 4) return toBytes((toBig(ip) + 1n) & 0xffffffffn, 4);
  if (ip.length === 16) return toBytes((toBig(ip) + 1n) & ((1n << 128n) - 1n), 16);
  return ip;
}

/** merge.createSpanningCIDR. */
function spanningCIDR(lowest: Bytes, highestIn: Bytes): IPNet {
  const isIPv4 = to4(lowest) !== undefined;
  const bitLen = isIPv4 ? 32 : 128;
  const byteLen = isIPv4 ? 4 : 16;
  let size = bitLen;
  const lowestBig = toBig(lowest);
  let highestBig = toBig(highestIn);
  while (size > 0 && lowestBig < highestBig) {
    size--;
    highestBig &= -(1n << BigInt(bitLen - size));
  }
  let highest = isIPv4 ? [...IPV4_LEADING_ZEROES, ...bigBytes(highestBig)] : bigBytes(highestBig);
  if (highest.length === 0) highest = new Array<number>(byteLen).fill(0);
  return { ip: highest, mask: cidrMask(size, bitLen) };
}

/** Go's bytes of a big.Int padded as partitionCIDR pads them. */
function padded(v: bigint, isIPv4: boolean): Bytes {
  const b = bigBytes(v);
  if (isIPv4) return [...IPV4_LEADING_ZEROES, ...b];
  return b.length !== 16 ? [...new Array<number>(16 - b.length).fill(0), ...b] : b;
}

/** merge.partitionCIDR: the networks left and right of exclude within target. */
function partitionCIDR(target: IPNet, exclude: IPNet): [IPNet[] | undefined, IPNet[] | undefined] {
  const targetIsIPv4 = to4(target.ip) !== undefined;
  const [targetFirst, targetLast] = addressRange(target);
  const [excludeFirst, excludeLast] = addressRange(exclude);
  const targetMaskSize = maskSize(target.mask)[0];
  const excludeMaskSize = maskSize(exclude.mask)[0];
  if (compareBytes(excludeLast, targetFirst) < 0) return [undefined, [target]];
  if (compareBytes(targetLast, excludeFirst) < 0) return [[target], undefined];
  if (targetMaskSize >= excludeMaskSize) return [undefined, undefined];
  const left: IPNet[] = [];
  const right: IPNet[] = [];
  let newPrefixLen = targetMaskSize + 1;
  let lower = toBig(targetFirst);
  const bitLen = targetIsIPv4 ? 32 : 128;
  const targetInt = toBig(targetFirst.length === 4 ? [...V4_IN_V6_PREFIX, ...targetFirst] : targetFirst);
  let upper = targetInt + (1n << BigInt(bitLen - newPrefixLen));
  let matched = 0n;
  while (excludeMaskSize >= newPrefixLen) {
    const upperBytes = padded(upper, targetIsIPv4);
    const lowerBytes = padded(lower, targetIsIPv4);
    if (compareBytes(excludeFirst, upperBytes) >= 0) {
      left.push({ ip: lowerBytes, mask: cidrMask(newPrefixLen, bitLen) });
      matched = upper;
    } else {
      right.push({ ip: upperBytes, mask: cidrMask(newPrefixLen, bitLen) });
      matched = lower;
    }
    newPrefixLen++;
    if (newPrefixLen > bitLen) break;
    lower = matched;
    upper = matched + (1n << BigInt(bitLen - newPrefixLen));
  }
  return [left, right];
}

/** merge.RangeToCIDRs. */
function rangeToCIDRs(first: Bytes, last: Bytes): IPNet[] {
  let spanning = spanningCIDR(first, last);
  const [firstSpanning, lastSpanning] = addressRange(spanning);
  let list: IPNet[] = [];
  if (compareBytes(firstSpanning, first) < 0) {
    const prev = previousIP(first);
    const bitLen = to4(prev) ? 32 : 128;
    const [, right] = partitionCIDR(spanning, { ip: prev, mask: cidrMask(bitLen, bitLen) });
    if (!right || right.length === 0) throw new UnanswerableError("net.cidr_merge", "a range Go's merge cannot split");
    list.push(...right);
    spanning = right[0]!;
    list = list.slice(1);
  }
  if (compareBytes(lastSpanning, last) > 0) {
    const next = nextIP(last);
    const bitLen = to4(next) ? 32 : 128;
    const [left] = partitionCIDR(spanning, { ip: next, mask: cidrMask(bitLen, bitLen) });
    list.push(...(left ?? []));
  } else {
    list.push(spanning);
  }
  return list;
}

/** topdown's generateIPNet: a CIDR, or a bare IPv4 address with its classful default mask. */
function generateIPNet(v: unknown): IPNet {
  if (typeof v !== "string") throw new TypeError("element must be string");
  const ip = parseIP(v);
  if (!ip) {
    const parsed = parseCIDR(v);
    if (!parsed) throw new Error(`invalid CIDR address: ${v}`);
    // Go's merge mixes 4-byte and 16-byte forms of such a network (an address of 28 bytes).
    if (parsed.net.ip.length === 16 && to4(parsed.net.ip)) throw new UnanswerableError("net.cidr_merge", "an IPv4-mapped IPv6 network");
    return parsed.net;
  }
  const v4 = to4(ip);
  if (!v4) throw new Error("IPv6 invalid: needs prefix length");
  const defaultMask = v4[0]! < 0x80 ? [0xff, 0, 0, 0] : v4[0]! < 0xc0 ? [0xff, 0xff, 0, 0] : [0xff, 0xff, 0xff, 0];
  return { ip, mask: defaultMask };
}

export function cidrMerge(addrs: unknown): RegoTextResult {
  if (!Array.isArray(addrs)) throw new TypeError("net.cidr_merge: operand must be an array");
  const ranges: BlockRange[] = addrs.map((a) => {
    const network = generateIPNet(a);
    const [first, last] = addressRange(network);
    return { first, last, network };
  });
  ranges.sort((a, b) => compareBytes(a.last, b.last) || compareBytes(a.first, b.first));
  for (let i = ranges.length - 1; i > 0; i--) {
    const prev = previousIP(ranges[i]!.first);
    if (compareBytes(prev, ranges[i - 1]!.last) <= 0) {
      const first = compareBytes(ranges[i - 1]!.first, ranges[i]!.first) < 0 ? ranges[i - 1]!.first : ranges[i]!.first;
      ranges[i - 1] = { first: [...first], last: [...ranges[i]!.last] };
      ranges.splice(i, 1);
    }
  }
  const result: string[] = [];
  for (const r of ranges) {
    if (r.network) {
      result.push(netString(r.network));
    } else {
      // A merged range across the IPv4-mapped block's edge: Go reads it with IPv4 arithmetic on IPv6 bytes.
      if ((to4(r.first) === undefined) !== (to4(r.last) === undefined)) {
        throw new UnanswerableError("net.cidr_merge", "a merged range that spans IPv4 and IPv6 addresses");
      }
      result.push(...rangeToCIDRs(r.first, r.last).map(netString));
    }
  }
  return stringSet(result);
}
