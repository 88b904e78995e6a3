import { checksum, generateKeyId, generateSecret, maskSecret, parseSecret } from "../../core/keys/secret-format";
import { hashSecret } from "../../server/keys/key-secret";

describe("key format", () => {
  it.each([
    "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON",
    "kf_temp_xm234QpLr8Ws0ZbN5vKcYdTe1uHj9a3hFf3X",
  ])("accepts the DESIGN.md test vector %s", (key) => {
    expect(checksum(key.slice(0, -6))).toBe(key.slice(-6));
    expect(parseSecret(key, "kf")).toEqual({ kind: "branded", brand: "kf", type: key.includes("_temp_") ? "temp" : "live" });
  });

  it("rejects a mistyped key by its checksum, without a database", () => {
    const good = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
    const typo = good.slice(0, 10) + (good[10] === "a" ? "b" : "a") + good.slice(11);
    expect(parseSecret(typo, "kf")).toBeNull();
    expect(parseSecret(good.slice(0, -1), "kf")).toBeNull();
    expect(parseSecret(good, "acme")).toBeNull();
    expect(parseSecret(good.replace("_live_", "_test_"), "kf")).toBeNull();
    expect(parseSecret(42, "kf")).toBeNull();
  });

  it("generates keys of the documented shape that pass their own checksum", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = generateSecret("kf", i % 2 ? "live" : "temp");
      expect(s).toMatch(/^kf_(live|temp)_[0-9A-Za-z]{36}$/);
      expect(parseSecret(s, "kf")).not.toBeNull();
      seen.add(s);
    }
    expect(seen.size).toBe(200);
    expect(generateKeyId()).toMatch(/^key_[0-9A-Za-z]{24}$/);
  });

  it("honours a custom brand", () => {
    const s = generateSecret("acme", "live");
    expect(s.startsWith("acme_live_")).toBe(true);
    expect(parseSecret(s, "acme")).not.toBeNull();
    expect(parseSecret(s, "kf")).toBeNull();
  });

  it("accepts legacy UUIDs and hashes them case-insensitively", () => {
    expect(parseSecret("dc746828-6bab-43d7-b01d-cc74eeb9759b", "kf")).toEqual({ kind: "legacy" });
    expect(hashSecret("DC746828-6BAB-43D7-B01D-CC74EEB9759B")).toBe(hashSecret("dc746828-6bab-43d7-b01d-cc74eeb9759b"));
    expect(hashSecret("dc746828-6bab-43d7-b01d-cc74eeb9759b")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("masks as brand_type_ + first 4 … last 4, and legacy keys as 4…4", () => {
    expect(maskSecret("kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON")).toBe("kf_live_Tg2c…KiON");
    expect(maskSecret("dc746828-6bab-43d7-b01d-cc74eeb9759b")).toBe("dc74…759b");
  });
});
