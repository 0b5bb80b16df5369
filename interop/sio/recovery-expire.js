// Connection state recovery and its window: the client gets an event, its
// connection closes, it stays away --away=MS, then connects again and
// reports whether it was recovered (the Go test sets the server's
// maxDisconnectionDuration shorter or longer than that).
//
//   node sio/recovery-expire.js <url> --transport=MODE --away=MS
import { Manager } from "socket.io-client";
import { Scenario, intArg, delay } from "./lib.js";
import { transportOptions } from "../common.js";

const sc = new Scenario("recovery-expire", { defaultTimeout: 30000 });
const away = intArg(sc.args, "away", 1000);

sc.run(async () => {
  const manager = new Manager(sc.url, { ...transportOptions(sc.mode), reconnection: false });
  const socket = manager.socket("/");
  const connected = () => new Promise((r) => socket.once("connect", r));
  const first = connected();
  await first;
  const id1 = socket.id;
  const got = new Promise((r) => socket.once("n", r));
  process.stdout.write(JSON.stringify({ ready: true }) + "\n");
  await got; // the client now holds an offset
  const gone = new Promise((r) => socket.once("disconnect", r));
  manager.engine.close(); // the connection goes; the socket is not disconnected on purpose
  const reason = await gone;
  await delay(away); // longer than the server keeps the session: what is tested
  const back = connected();
  socket.connect();
  await back;
  const result = { reason, id1, id2: socket.id, recovered: socket.recovered };
  socket.disconnect();
  return result;
});
