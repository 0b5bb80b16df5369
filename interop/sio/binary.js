// Scenario: binary payloads (Buffer, Uint8Array views with an offset,
// ArrayBuffer) nested in objects and arrays, in both directions.
//
//   client -> server: into a struct with []byte fields, into any, into
//     []byte parameters, through codec.Args, echoed back on the ack;
//   server -> client: []byte in maps, structs (JSON as encoding/json
//     writes it: omitempty, nil slices and maps, zero structs), several
//     arguments, an ack with binary, and EmitWithAck whose client answer
//     carries binary.
// Every byte is compared; sizes go from 0 to 100 000 bytes.
//
// node sio/binary.js URL [--transport=MODE]
import { Scenario, connected, call, next, eq, bytes } from "./lib.js";

const scn = new Scenario("binary");

const hex = (b) => Buffer.from(b.buffer ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : b).toString("hex");

// describe mirrors sioDescribe on the Go side.
function describe(v) {
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return "hex:" + hex(v);
  if (Array.isArray(v)) return v.map(describe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
  return v;
}

scn.run(async () => {
  const c = scn.conn();
  const s = c.socket("/");
  s.on("need-bin", (b, cb) => cb(Buffer.concat([b, Buffer.from([0xaa])]), { deep: { b: bytes(50, 10) }, t: "x" }));
  await connected(s);

  const round = async (tag) => {
    // struct with []byte fields
    const big = bytes(100_000, 1);
    const pool = bytes(64, 2);
    const view = new Uint8Array(pool.buffer, pool.byteOffset + 5, 10); // a view with an offset
    const blob = {
      name: "file.bin",
      data: big,
      parts: [Uint8Array.from([0, 255]), Buffer.from("hi"), view],
      inner: { bin: bytes(1000, 3).buffer.slice(0), note: "n" },
      empty: Buffer.alloc(0),
    };
    eq(
      await call(s, "bin-struct", blob),
      [{ name: "file.bin", data: hex(big), parts: ["00ff", hex(Buffer.from("hi")), hex(view)], inner: hex(bytes(1000, 3)), note: "n", emptyLen: 0, emptyNil: false }],
      `${tag}: bin-struct`,
    );

    // into any
    const anyV = { a: bytes(7, 4), list: [1, bytes(300, 5), { b: new Uint8Array([9, 8, 7]) }], s: "str", n: 1.5, z: null };
    eq(await call(s, "bin-any", anyV), [describe(anyV)], `${tag}: bin-any`);

    // []byte parameters
    eq(await call(s, "bin-args", Buffer.from([1, 2]), "mid", new Uint8Array([3])), ["0102", "mid", "03"], `${tag}: bin-args`);

    // codec.Args, with a top-level binary argument and one without binary
    const rawArgs = [bytes(4, 6), { x: [bytes(2, 7)] }, "plain", 5];
    eq(await call(s, "bin-raw", ...rawArgs), [rawArgs.map(describe)], `${tag}: bin-raw`);

    // echoed back: the ack carries the attachments
    const echoV = { x: [bytes(33, 8), { y: bytes(0) }], z: 1, w: [bytes(1, 9), bytes(2, 9)] };
    eq(await call(s, "bin-echo", echoV), [echoV], `${tag}: bin-echo`);

    // server -> client
    const downMap = next(s, "down-map");
    const downStruct = next(s, "down-struct");
    const downArgs = next(s, "down-args");
    eq(await call(s, "bin-down"), [bytes(10, 7), { "in-ack": bytes(11, 8) }], `${tag}: binary ack`);
    eq(await downMap, [{ a: bytes(64, 1), list: [Buffer.alloc(0), { deep: bytes(3, 2) }, "text"], n: 1 }], `${tag}: down-map`);
    eq(
      await downStruct,
      [{ payload: bytes(100_000, 3), meta: { k1: Buffer.from([0xff]), k2: bytes(256, 4) }, nil: null, list: [1, bytes(5, 5), [bytes(6, 6)]], zero: { a: 0 } }],
      `${tag}: down-struct`,
    );
    eq(await downArgs, [Buffer.from([1]), "two", Buffer.from([3]), { payload: Buffer.from("ptr"), meta: null, nil: null, list: null, zero: { a: 0 } }], `${tag}: down-args`);

    // server EmitWithAck, the client answers with binary
    eq(
      await call(s, "bin-ask"),
      [{ err: "", b: hex(bytes(3, 9)) + "aa", deep: hex(bytes(50, 10)), raw: { deep: { b: "hex:" + hex(bytes(50, 10)) }, t: "x" } }],
      `${tag}: bin-ask`,
    );
  };
  await round("before upgrade");
  await c.waitUpgrade();
  c.assertTransport();
  await round("after upgrade");
  const info = c.info();
  await c.close();
  return { conn: info };
});
