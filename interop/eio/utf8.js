// Scenario: multibyte UTF-8 and edge-case text messages echoed intact.
//
// Covers 2-, 3- and 4-byte UTF-8 sequences (astral-plane emoji are surrogate
// pairs in JS), ZWJ sequences, combining marks, a long emoji-only string,
// and short strings that look like engine.io packet types or the polling
// binary marker ("4", "b...", "2probe"). Text that contains U+001E (the
// polling record separator) is not valid in engine.io v4 and is not sent.
//
// node eio/utf8.js URL [--transport=MODE] [--long=50000]
import { Scenario, EchoTracker, intArg } from "./lib.js";

const scn = new Scenario("utf8");
const longN = intArg(scn.args, "long", 50000);

const samples = [
  "héllo wörld — 日本語 — 🎉",
  "🎉".repeat(longN), // 4 bytes each in UTF-8, 2 UTF-16 units each
  "👩‍👩‍👧‍👦🇯🇵🏳️‍🌈🧑🏽‍💻".repeat(1000),
  "e\u0301 a\u0308 n\u0303 \u1e9b\u0323", // combining marks
  "中文字符".repeat(5000), // 3-byte sequences, 60 KB
  "ÄÖÜäöüß€£¥©®™",
  "\u2028\u2029\uFEFF\u200B", // line/paragraph separators, BOM, ZWSP
  "𝕳𝖊𝖑𝖑𝖔 𐍈 𝄞",
  "",
  "4",
  "b",
  "bAAEC",
  "1",
  "6",
  "probe",
  "2probe",
  "\u0000nul\u0000",
  "tab\there\r\nnewline\n",
  '{"json":true,"emoji":"🎉"}',
  "x".repeat(3) + "é", // odd byte length
];

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  scn.state.echo = echo;
  samples.forEach((s, i) => echo.send(s, { i }));
  await echo.all();
  await c.waitUpgrade();
  // repeat the first two on the final transport
  echo.send(samples[0], { again: 0 });
  echo.send(samples[1], { again: 1 });
  await echo.finish();
  c.assertTransport();
  const summary = c.summary();
  await c.closeAndSettle();
  const bytes = samples.reduce((a, s) => a + Buffer.byteLength(s), 0);
  return { ...summary, sent: echo.expected.length, sampleBytes: bytes, arrivals: echo.arrivals };
});
