// An independent card-number detector written from the no_card_numbers spec
// (framework/toolgate/card_numbers.rego), character by character: the oracle
// of test/policy/card-numbers.property.test.ts. It shares no code or tables
// with the Rego: digit values come from NFKC and the Unicode rule that decimal
// digits are assigned in runs of ten, and every window is checked by a plain
// Luhn loop.

const ND = /^\p{Nd}$/u;
const LETTER = /^\p{L}$/u;

/** Circled digits of the dingbat blocks, which have no NFKC decomposition (first code point, first value, how many). */
const DINGBATS: Array<[number, number, number]> = [
  [0x24eb, 11, 10], [0x24f5, 1, 10], [0x24ff, 0, 1], [0x2776, 1, 10], [0x2780, 1, 10], [0x278a, 1, 10], [0x1f10b, 0, 2],
];

/** The value of a decimal digit: how far it is from the start of its run of ten. */
function ndValue(cp: number): number {
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start -= 1;
  return (cp - start) % 10;
}

/** The digits a character stands for ("" for none). */
export function digitsOf(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (ND.test(ch)) return String(ndValue(cp));
  for (const [first, value, n] of DINGBATS) if (cp >= first && cp < first + n) return String(value + cp - first);
  const nfkc = ch.normalize("NFKC");
  if (nfkc === ch || /[\p{L}\p{M}]/u.test(nfkc)) return "";
  return [...nfkc].filter((c) => ND.test(c)).map((c) => String(ndValue(c.codePointAt(0)!))).join("");
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Candidates: the digits of maximal stretches without letters. */
export function candidates(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const ch of text) {
    const digits = digitsOf(ch);
    if (digits !== "") current += digits;
    else if (LETTER.test(ch)) {
      out.push(current);
      current = "";
    }
  }
  out.push(current);
  return out.filter((c) => c.length > 0);
}

/** The first Luhn-valid window of 13 to 19 digits, if any. */
export function findCardNumber(text: string): string | undefined {
  for (const run of candidates(text)) {
    for (let start = 0; start < run.length; start++) {
      for (let length = 13; length <= 19 && start + length <= run.length; length++) {
        const window = run.slice(start, start + length);
        if (luhnValid(window)) return window;
      }
    }
  }
  return undefined;
}
