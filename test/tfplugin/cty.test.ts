import { encode, ExtData } from "@msgpack/msgpack";
import { decodeObject, encodeObject, UNKNOWN } from "../../provider/plugin/cty";

const ATTRS = ["id", "name", "scopes"];

describe("cty msgpack DynamicValues", () => {
  it("reads every extension as unknown: plain (ext 0) and refined (ext 12) unknowns", () => {
    const refined = new ExtData(12, new Uint8Array(encode({ 1: true, 2: "kf_" })));
    const dv = { msgpack: Buffer.from(encode({ id: new ExtData(0, new Uint8Array([0])), name: refined, scopes: ["a", "b"] })) };
    expect(decodeObject(dv, ATTRS)).toEqual({ id: UNKNOWN, name: UNKNOWN, scopes: ["a", "b"] });
  });

  it("treats a list holding an unknown element as unknown, and a missing attribute as null", () => {
    const dv = { msgpack: Buffer.from(encode({ id: "key_x", scopes: ["a", new ExtData(0, new Uint8Array([0]))] })) };
    expect(decodeObject(dv, ATTRS)).toEqual({ id: "key_x", name: null, scopes: UNKNOWN });
  });

  it("null object = gone; an unknown object stays unknown; JSON state decodes too", () => {
    expect(decodeObject({ msgpack: Buffer.from([0xc0]) }, ATTRS)).toBeNull();
    expect(decodeObject({}, ATTRS)).toBeNull();
    expect(decodeObject({ msgpack: Buffer.from([0xd4, 0, 0]) }, ATTRS)).toBe(UNKNOWN);
    expect(decodeObject({ json: Buffer.from('{"id":"key_x","name":"n"}') }, ATTRS)).toEqual({ id: "key_x", name: "n", scopes: null });
  });

  it("writes every attribute in schema order, null as nil and unknown as cty's fixext1 type 0", () => {
    const { msgpack } = encodeObject({ name: "n", id: UNKNOWN }, ATTRS);
    // fixmap(3) "id" d4 00 00  "name" "n"  "scopes" nil
    expect(msgpack.toString("hex")).toBe(Buffer.from([0x83, 0xa2, ...Buffer.from("id"), 0xd4, 0x00, 0x00, 0xa4, ...Buffer.from("name"), 0xa1, 0x6e, 0xa6, ...Buffer.from("scopes"), 0xc0]).toString("hex"));
    expect(encodeObject(null, ATTRS).msgpack).toEqual(Buffer.from([0xc0]));
  });
});
