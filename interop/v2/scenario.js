// Scenarios for socket.io-client 2.5 against the Go server (see lib.js for
// the contract and v2_test.go for the server side).
//
//   basic       implicit "/" connection (socket id = engine id), events
//               with acks both ways, binary both ways, the transport
//               (upgrade mode must end on websocket)
//   namespaces  /admin with query auth (id "/admin#<engine id>"), a
//               middleware refusal with data and one with a message (the
//               socket's "error" event), an unknown namespace
//   heartbeat   the client's pings are answered (the server runs with a
//               200 ms ping interval and timeout): five pongs, still connected
//   rooms       three clients, a room broadcast (with binary) reaches the
//               two members and not the third
import io from "socket.io-client";
import { parseArgs, transportOptions, run, eq, call, once, connected, toBuffer, installJSONPShim, Fail } from "./lib.js";

const args = parseArgs(process.argv.slice(2));
const url = args._[0];
const mode = args.transport || "polling";
const jsonp = !!args.jsonp;
const stats = { scripts: 0, posts: 0 };
if (jsonp) installJSONPShim(stats);

const opts = () => ({ ...transportOptions(mode, jsonp), forceNew: true, reconnection: false, timeout: 10000 });

// waitTransport resolves once the client's Engine.IO transport is the one
// the mode ends on (websocket after an upgrade).
async function settle(socket) {
  const engine = socket.io.engine;
  if (mode === "upgrade" && engine.transport.name !== "websocket") await once(engine, "upgrade");
  const want = mode === "polling" ? "polling" : "websocket";
  eq(engine.transport.name, want, "client transport");
  const [server] = await call(socket, "transport");
  eq(server, want, "server-side transport");
  if (jsonp && mode === "polling") eq(engine.transport.constructor.name, "JSONPPolling", "polling transport class");
}

const scenarios = {
  async basic() {
    const s = io(url, opts());
    await connected(s);
    eq(s.id, s.io.engine.id, "socket id of / (the engine id)");
    await settle(s);
    const [echo] = await call(s, "echo", "é😀", { a: [1, null, true] }, Buffer.from([0, 1, 254, 255]));
    eq(echo[0], "é😀", "echoed string");
    eq(echo[1], { a: [1, null, true] }, "echoed object");
    eq(toBuffer(echo[2]), Buffer.from([0, 1, 254, 255]), "echoed binary");
    const big = "x\n\\n".repeat(20000); // newlines and backslash-n: JSONP escaping
    const [bigEcho] = await call(s, "echo", big);
    eq(bigEcho[0] === big, true, "large string with newlines echoed exactly");
    s.on("question", (bin, ack) => ack("answer:" + toBuffer(bin).toString("hex")));
    const answer = once(s, "answer");
    s.emit("ask");
    eq((await answer)[0], "answer:010203", "server's ack request answered");
    const bye = once(s, "disconnect");
    s.close();
    eq((await bye)[0], "io client disconnect", "disconnect reason");
    return { id: s.id === undefined ? "closed" : s.id, stats };
  },

  async namespaces() {
    const root = io(url, opts());
    await connected(root);
    const admin = root.io.socket("/admin", { query: { token: "secret", name: "Jürgen M" } });
    await connected(admin);
    eq(admin.id, "/admin#" + root.io.engine.id, "socket id of /admin");
    const [who] = await call(admin, "whoami");
    eq(who, { id: admin.id, auth: { token: "secret", name: "Jürgen M" } }, "server-side id and auth");
    await settle(admin);
    const errors = {};
    for (const [token, key] of [["bad", "data"], ["msg", "message"]]) {
      const m = io(url + "/admin", { ...opts(), query: { token } });
      const [err] = await once(m, "error");
      errors[key] = err;
      eq(m.connected, false, `refused socket (${token}) connected`);
      m.io.close();
    }
    eq(errors, { data: { code: 42, reason: "bad token" }, message: "no such token" }, "refusals");
    const nowhere = root.io.socket("/nowhere");
    const [nerr] = await once(nowhere, "error");
    eq(nerr, { message: "Invalid namespace" }, "unknown namespace");
    root.io.close();
    return { errors, stats };
  },

  async heartbeat() {
    const s = io(url, opts());
    await connected(s);
    await settle(s);
    let pongs = 0;
    await new Promise((resolve) => s.io.on("pong", () => ++pongs === 5 && resolve()));
    eq(s.connected, true, "connected after 5 heartbeats");
    const [echo] = await call(s, "echo", "still here");
    eq(echo, ["still here"], "echo after heartbeats");
    s.io.close();
    return { pongs, stats };
  },

  async rooms() {
    const clients = ["a", "b", "c"].map(() => io(url, opts()));
    await Promise.all(clients.map(connected));
    await Promise.all(clients.map(settle));
    await call(clients[0], "join", "room1");
    await call(clients[1], "join", "room1");
    const got = clients.map(() => []);
    clients.forEach((c, i) => c.on("heard", (from, msg, bin) => got[i].push([from, msg, toBuffer(bin).toString("hex")])));
    const done = clients.map((c) => once(c, "done"));
    clients[0].emit("shout", "room1", "hello");
    await Promise.all(done);
    eq(got[0], [], "the sender (broadcast excludes it)");
    eq(got[1], [[clients[0].id, "hello", "cafe"]], "the other member");
    eq(got[2], [], "the non-member");
    for (const c of clients) c.io.close();
    return { got, stats };
  },
};

const name = args.scenario;
if (!scenarios[name]) {
  process.stderr.write(`FAIL [usage]: --scenario must be one of ${Object.keys(scenarios)}\n`);
  process.exit(2);
}
run(name, args, async () => {
  const r = await scenarios[name]();
  if (jsonp && (stats.scripts === 0 || (mode === "polling" && stats.posts === 0))) throw new Fail(`JSONP not used: ${JSON.stringify(stats)}`);
  return r;
});
