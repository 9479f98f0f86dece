import { describe, expect, it } from "vitest";
import { ResolutionCache } from "../../src/policy/resolution-cache.ts";

describe("ResolutionCache", () => {
  it("keeps a value per (assistant, tool key) and starts over past its limit, so model-made ids cannot grow it without bound", () => {
    const cache = new ResolutionCache<string>(2);
    expect(cache.find("a", "t")).toBeUndefined();
    expect(cache.add("a", "t", "a/t")).toBe("a/t");
    expect(cache.add("a", "u", "a/u")).toBe("a/u");
    expect([cache.find("a", "t"), cache.find("a", "u"), cache.find("b", "t")]).toEqual(["a/t", "a/u", undefined]);
    cache.add("b", "t", "b/t");
    expect([cache.find("a", "t"), cache.find("a", "u"), cache.find("b", "t")]).toEqual([undefined, undefined, "b/t"]);
    // The key "__proto__" is an ordinary key.
    cache.add("__proto__", "constructor", "odd");
    expect(cache.find("__proto__", "constructor")).toBe("odd");
  });
});
