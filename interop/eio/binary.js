// Scenario: binary messages, echoed byte-exact and still binary.
//
// Sends Buffers, a Uint8Array view at a non-zero offset into a larger
// ArrayBuffer, and a plain ArrayBuffer, of sizes from 0 bytes to 100 KB whose
// content covers all byte values 0..255, interleaved with text messages that
// must stay text. Received binary must be binary (a Buffer in Node) with the
// same bytes; text must be a string.
//
// node eio/binary.js URL [--transport=MODE]
import { Scenario, EchoTracker } from "./lib.js";

const scn = new Scenario("binary");
const sizes = [0, 1, 2, 3, 15, 16, 255, 256, 1023, 1024, 4096, 65535, 65536, 100000];

function pattern(n, salt) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i < 256 ? i : (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  scn.state.echo = echo;
  let k = 0;
  for (const n of sizes) {
    echo.send(pattern(n, k++), { as: "Buffer", n });
    echo.send(`text-after-${n}`);
  }
  // a view that does not start at offset 0 of its ArrayBuffer
  const backing = new ArrayBuffer(600);
  new Uint8Array(backing).set(pattern(600, 99));
  echo.send(new Uint8Array(backing, 100, 300), { as: "Uint8Array@100", n: 300 });
  // a plain ArrayBuffer
  echo.send(pattern(512, 42).buffer.slice(0), { as: "ArrayBuffer", n: 512 });
  // all byte values, then the text that looks like the polling binary marker
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
  echo.send(all, { as: "Buffer", n: 256, content: "255..0" });
  echo.send("b" + all.toString("base64"));
  await echo.all();
  await c.waitUpgrade();
  // once more after the upgrade (in "upgrade" mode) so both transports carried binary
  echo.send(pattern(4096, 7), { as: "Buffer", n: 4096, phase: "final" });
  echo.send(Buffer.alloc(0), { as: "Buffer", n: 0, phase: "final" });
  await echo.finish();
  c.assertTransport();
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, sent: echo.expected.length, arrivals: echo.arrivals };
});
