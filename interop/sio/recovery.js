// Connection state recovery under faults: one socket.io-client (reconnection
// on, short delays) connected through a proxy that kills connections at
// random points. The server broadcasts numbered events "n" 0..count-1 to
// everyone; the client records every one it gets and every (re)connection.
//
//   node sio/recovery.js <proxy-url> --transport=MODE --count=N
//
// Prints {"ready":true} once first connected (the Go test then starts the
// broadcast), then, after event count-1 arrived, the result: what was lost,
// duplicated or reordered, and how each connection went.
import { Manager } from "socket.io-client";
import { Scenario, intArg, delay } from "./lib.js";
import { transportOptions } from "../common.js";

const sc = new Scenario("recovery", { defaultTimeout: 120000 });
const count = intArg(sc.args, "count", 2000);

sc.run(
  () =>
    new Promise((resolve) => {
      const manager = new Manager(sc.url, {
        ...transportOptions(sc.mode),
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
        timeout: 5000,
        rememberUpgrade: false,
      });
      const socket = manager.socket("/");
      const seen = [];
      const connects = []; // {recovered, id}
      const log = []; // connections and connect errors, in order
      let dups = 0;
      let disorder = 0;
      let next = 0; // the next number expected
      let errors = 0;
      sc.state = { seen: () => seen.length, connects, next };
      let upgradeErrors = 0;
      const watchEngine = () => manager.engine?.on("upgradeError", () => upgradeErrors++);
      manager.on("open", watchEngine);
      socket.on("connect", () => {
        // Replayed events are emitted before "connect": the last one may
        // have ended the run (finish disconnected) by now.
        if (finished) return;
        connects.push({ recovered: socket.recovered, id: socket.id });
        log.push({ recovered: socket.recovered, id: socket.id, at: seen.length });
        if (connects.length === 1) process.stdout.write(JSON.stringify({ ready: true }) + "\n");
      });
      socket.on("connect_error", (e) => {
        errors++;
        log.push({ error: e.message });
      });
      socket.on("n", (i) => {
        if (i < next) dups++;
        else if (i > next) disorder++;
        seen.push(i);
        next = Math.max(next, i + 1);
        if (i === count - 1) finish();
      });
      // finish disconnects, waits (bounded) until the close reached the
      // wire, and reports.
      let finished = false;
      const finish = async () => {
          finished = true;
          const engine = manager.engine;
          const closed = new Promise((r) => engine.once("close", r));
          socket.disconnect(); // the only socket: the Manager closes the connection
          await Promise.race([closed, delay(5000)]);
          const tr = engine.transport;
          if (tr?.name === "polling" && tr.writable === false) {
            await Promise.race([new Promise((r) => tr.once("drain", r)), new Promise((r) => tr.once("error", r)), delay(5000)]);
          }
          const missing = [];
          const have = new Set(seen);
          for (let k = 0; k < count; k++) if (!have.has(k)) missing.push(k);
          resolve({
            received: seen.length,
            dups,
            disorder,
            missing: missing.slice(0, 20),
            missingCount: missing.length,
            connects: connects.length,
            recovered: connects.filter((c) => c.recovered).length,
            ids: [...new Set(connects.map((c) => c.id))].length,
            connectErrors: errors,
            upgradeErrors,
            connectLog: log.slice(0, 50),
          });
      };
    }),
);
