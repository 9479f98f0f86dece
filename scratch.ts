import { scanJson } from "./src/json/scan-json.ts";
// Which escaped keys does JSON.parse mis-decode? Random objects with keys built from escapes.
const escapes = ['\\u00e9', '\\u0062', '\\"', '\\\\', '\\n', '\\/', 'a', 'é', '\\u6f22', '\\ud83d\\ude00'];
let bad = 0, total = 0;
const seenBad = new Map<string, number>();
let seed = 1;
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
for (let i = 0; i < 300000; i++) {
  const keys: string[] = [];
  const nk = 1 + rnd(4);
  for (let k = 0; k < nk; k++) { let s = ""; const len = rnd(3) + 1; for (let j = 0; j < len; j++) s += escapes[rnd(escapes.length)]; keys.push(s); }
  const text = "{" + keys.map((k, j) => `"${k}":${j}`).join(",") + "}";
  const sc = scanJson(text);
  if (!sc.ok) continue;
  total++;
  const p = JSON.parse(text);
  if (JSON.stringify(p) !== JSON.stringify(sc.value)) {
    bad++;
    const ks = Object.keys(sc.value as object); const kp = Object.keys(p);
    ks.forEach((k, j) => { if (k !== kp[j]) { const raw = keys.find((r) => JSON.parse(`"${r}"`) === k) ?? "?"; seenBad.set(raw, (seenBad.get(raw) ?? 0) + 1); } });
    if (bad <= 3) console.log(text, JSON.stringify(p), JSON.stringify(sc.value));
  }
}
console.log("bad", bad, "of", total);
console.log([...seenBad].sort((a, b) => b[1] - a[1]).slice(0, 15));
