// The browser side of browser_test.go: socket.io.msgpack.min.js (the
// client with socket.io-msgpack-parser built in, from socket.io-client's
// dist/) against the Go server with msgpack.Parser. ?mode=polling,
// websocket or upgrade. The outcome is window.__result: {ok: true, ...} or
// {error: "..."}; browser.mjs waits for it.
"use strict";

window.__result = new Promise((resolve) => {
  const mode = new URLSearchParams(location.search).get("mode") || "websocket";
  const transports = {
    polling: { transports: ["polling"], upgrade: false },
    websocket: { transports: ["websocket"] },
    upgrade: { transports: ["polling", "websocket"], upgrade: true },
  }[mode];
  const bytes = (...b) => new Uint8Array(b).buffer;
  const describe = (v) => {
    if (v instanceof ArrayBuffer) return { ArrayBuffer: [...new Uint8Array(v)] };
    if (Array.isArray(v)) return v.map(describe);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, describe(e)]));
    return v === undefined ? "undefined" : v;
  };
  const check = (what, got, want) => {
    const g = JSON.stringify(describe(got));
    const w = JSON.stringify(describe(want));
    if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
  };
  // recorded: the first n arguments of an event that carries its
  // recovery offset after them.
  const recorded = (what, a, n) => {
    if (a.length !== n + 1 || typeof a[n] !== "string") throw new Error(`${what}: ${JSON.stringify(describe(a))} has no offset`);
    return a.slice(0, n);
  };
  const once = (s, ev) => new Promise((r) => s.once(ev, (...a) => r(a)));
  const ack = (s, ev, ...a) =>
    new Promise((res, rej) => s.timeout(5000).emit(ev, ...a, (err, ...out) => (err ? rej(err) : res(out))));

  (async () => {
    const s = io({ ...transports, auth: { token: "tok" }, reconnection: false });
    const welcome = once(s, "welcome");
    await new Promise((res, rej) => {
      s.once("connect", res);
      s.once("connect_error", rej);
    });
    const [token, profile] = recorded("welcome", await welcome, 2);
    check("welcome", [token, profile], ["tok", { name: "srv", avatar: bytes(1, 2, 3), tags: ["a"] }]);
    if (!(profile.avatar instanceof ArrayBuffer)) throw new Error("avatar is not an ArrayBuffer");
    if (mode === "upgrade" && s.io.engine.transport.name !== "websocket") {
      await new Promise((r) => s.io.engine.once("upgrade", r));
    }

    // Emit with ack, binary both ways.
    const sent = ["x", 1.5, bytes(0, 255), { deep: [bytes(7), null, true] }];
    check("echo ack", await ack(s, "echo", ...sent), sent);

    // What the server's any values were: the browser's notepack writes
    // an ArrayBuffer as bin and a Date as fixext 8.
    const date = new Date(1700000000123);
    check("types ack", await ack(s, "types", bytes(1, 2, 3), date, 3, "s"), [
      ["[]uint8", "time.Time", "float64", "string"],
      [bytes(1, 2, 3), date.toISOString(), 3, "s"],
    ]);

    // The server waits in its handler for the page's ack.
    s.once("question", (q, cb) => cb(bytes(52, 50)));
    const answer = once(s, "answer");
    s.emit("ask", "q?");
    check("answer", recorded("answer", await answer, 1), [bytes(52, 50)]);

    const transport = s.io.engine.transport.name;
    s.close();
    resolve({ ok: true, mode, transport });
  })().catch((e) => resolve({ error: String(e && e.stack ? e.stack : e) }));
});
