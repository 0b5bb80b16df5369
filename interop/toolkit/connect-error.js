// connect-error: connect (with --auth=<JSON> as the CONNECT auth payload,
// if given) and report either the connect_error the server's middleware
// refused with (message and data, as the JS client exposes them) or a
// successful connection.
import { setup, track, fail } from "./lib.js";

const scenario = "connect-error";
const { args, events, connect } = setup(scenario);
let auth;
if (args.auth !== undefined) {
  try {
    auth = JSON.parse(args.auth);
  } catch (e) {
    fail(scenario, `--auth is not JSON: ${e.message}`);
  }
}
const socket = connect(auth === undefined ? {} : { auth });

function describe(d) {
  if (d === undefined || d === null) return null;
  if (typeof d === "number" || typeof d === "string") return d;
  if (d.message !== undefined) return String(d.message);
  return String(d);
}
track(socket, events);

const outcome = await new Promise((resolve) => {
  socket.once("connect", () => resolve({ connected: true, id: socket.id }));
  socket.once("connect_error", (err) =>
    resolve({
      connected: false,
      message: err.message,
      data: err.data === undefined ? null : err.data,
      // An HTTP-level refusal is an engine.io-client TransportError: its
      // type, and its description (the HTTP status on polling, ws's
      // error on websocket).
      type: err.type === undefined ? null : String(err.type),
      description: describe(err.description),
    }),
  );
});
// Exactly what the script prints for a refusal: err.message and err.data.
if (!outcome.connected) {
  process.stderr.write(`err.message: ${outcome.message}\nerr.data: ${JSON.stringify(outcome.data)}\n`);
}
socket.disconnect();
console.log(JSON.stringify({ scenario, ...outcome, events }));
// No process.exit: on polling, disconnect() sends its close packet in a
// POST that is still in flight here; node exits once it is done, and the
// server then knows the client left instead of waiting for it.
