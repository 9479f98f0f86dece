// Whether a text holds one of a list of keywords, in one pass: the secret
// rules' keywords (framework/secret_rules.json: every match of a rule,
// lower-cased, contains one of its keywords) tell a text that cannot hold a
// secret without running the combined pattern over it.

const ASCII = 128;

/**
 * `lowered` (a text after toLowerCase) includes one of the keywords: the same
 * answer as `keywords.some((k) => lowered.includes(k))`, in one pass over the
 * text instead of one per keyword. Positions are looked up by their first two
 * characters (keywords of one character, or not starting with two ASCII
 * characters, are searched for with includes).
 */
export class KeywordSearch {
  /** Keywords by the bigram (c0 * 128 + c1) they start with. */
  readonly #byBigram = new Map<number, string[]>();
  readonly #starts = new Uint8Array(ASCII * ASCII);
  readonly #others: string[] = [];

  constructor(keywords: Iterable<string>) {
    for (const keyword of new Set(keywords)) {
      const c0 = keyword.charCodeAt(0);
      const c1 = keyword.charCodeAt(1);
      if (keyword.length < 2 || c0 >= ASCII || c1 >= ASCII) {
        this.#others.push(keyword);
        continue;
      }
      const bigram = c0 * ASCII + c1;
      this.#starts[bigram] = 1;
      const list = this.#byBigram.get(bigram);
      if (list) list.push(keyword);
      else this.#byBigram.set(bigram, [keyword]);
    }
  }

  foundIn(lowered: string): boolean {
    for (const keyword of this.#others) if (lowered.includes(keyword)) return true;
    const starts = this.#starts;
    const last = lowered.length - 1;
    let c1 = lowered.charCodeAt(0);
    for (let i = 0; i < last; i++) {
      const c0 = c1;
      c1 = lowered.charCodeAt(i + 1);
      if (c0 >= ASCII || c1 >= ASCII || starts[c0 * ASCII + c1] === 0) continue;
      for (const keyword of this.#byBigram.get(c0 * ASCII + c1)!) if (lowered.startsWith(keyword, i)) return true;
    }
    return false;
  }
}
