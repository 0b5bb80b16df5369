// The chi example's chat with -recover: two clients; A's WebSocket dies
// (terminated, as a network failure), B writes while A is away, A comes
// back recovered with the same id and gets what it missed; B sees A's
// "reconnected" announcement.
//
//   node sio/chat-recover.js <chat-url> --transport=websocket
import { Manager } from "socket.io-client";
import { Scenario, withTimeout } from "./lib.js";

const sc = new Scenario("chat-recover", { defaultTimeout: 30000 });

function client(label) {
  const manager = new Manager(sc.url, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 100 });
  const socket = manager.socket("/");
  const got = [];
  const waiters = [];
  socket.on("message", (m) => {
    got.push(m);
    for (const w of [...waiters]) w();
  });
  const until = (pred, what) =>
    withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const hit = got.find(pred);
          if (hit) {
            waiters.splice(waiters.indexOf(check), 1);
            resolve(hit);
          }
        };
        waiters.push(check);
        check();
      }),
      10000,
      () => ({ msg: `${label}: no ${what}`, details: got }),
    );
  const connected = () => new Promise((r) => (socket.connected ? r() : socket.once("connect", r)));
  return { manager, socket, got, until, connected };
}

sc.run(async () => {
  const a = client("A");
  const b = client("B");
  await Promise.all([a.connected(), b.connected()]);
  const idA = a.socket.id;
  b.socket.send("before");
  await a.until((m) => m.message?.[1] === "before", "message before the drop");

  const back = new Promise((r) => a.socket.once("connect", r));
  const gone = new Promise((r) => a.socket.once("disconnect", r));
  a.manager.engine.transport.ws.terminate(); // the connection drops; A reconnects on its own
  const reason = await gone;
  b.socket.send("while away");
  await b.until((m) => m.message?.[1] === "while away", "own message echoed");
  await back;
  const recovered = a.socket.recovered;
  await a.until((m) => m.message?.[1] === "while away", "the message sent while away");
  await b.until((m) => m.announcement === `reconnected: ${idA}`, "reconnected announcement");
  const result = { reason, recovered, sameId: a.socket.id === idA };
  a.socket.disconnect();
  b.socket.disconnect();
  return result;
});
