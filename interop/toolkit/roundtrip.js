// roundtrip: connect through a router mount (--path), emit "echo" with an
// ack, and expect the ack "ack:<text>" and the "echo" event back. In
// upgrade mode the round trip runs again once on websocket.
import { setup, track, fail, once, waitWebSocket } from "./lib.js";

const scenario = "roundtrip";
const { mode, events, connect } = setup(scenario);
const socket = connect();
track(socket, events);

socket.on("connect_error", (err) => fail(scenario, `connect_error: ${err.message}`, { events }));
await once(socket, "connect");

async function roundTrip(text) {
  const echoed = new Promise((resolve) => socket.once("echo", resolve));
  const ack = await socket.timeout(15000).emitWithAck("echo", text);
  const echo = await echoed;
  if (ack !== "ack:" + text || echo !== text) {
    fail(scenario, "unexpected answers", { sent: text, ack, echo, events });
  }
  return { ack, echo, transport: socket.io.engine.transport.name };
}

const trips = [await roundTrip(`hello over ${mode}`)];
if (mode === "upgrade") {
  await waitWebSocket(socket);
  trips.push(await roundTrip("hello after the upgrade"));
}
const transport = socket.io.engine.transport.name;
const id = socket.id;
socket.disconnect();
console.log(JSON.stringify({ scenario, id, transport, trips }));
// No process.exit: on polling, disconnect() sends its close packet in a
// POST that is still in flight here; node exits once it is done, and the
// server then knows the client left instead of waiting for it.
