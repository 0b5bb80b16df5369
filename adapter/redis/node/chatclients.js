// Two official socket.io-client 4.8 chat clients (argv[2]: JSON [url, url]):
// each sends one line once both are connected; prints every "message" event
// as {client, msg} and exits when stdin closes.
"use strict";
const { io } = require("socket.io-client");
const urls = JSON.parse(process.argv[2]);
let connected = 0;
const sockets = urls.map((url, i) => {
  const s = io(url, { transports: i === 0 ? ["websocket"] : ["polling", "websocket"], reconnection: false });
  s.on("message", (msg) => process.stdout.write(JSON.stringify({ client: i, msg }) + "\n"));
  s.on("connect", () => {
    if (++connected === urls.length) {
      process.stdout.write(JSON.stringify({ ready: true }) + "\n");
    }
  });
  return s;
});
process.stdin.on("data", (d) => {
  // "send <i> <text>"
  const [, i, text] = /^send (\d) (.*)$/.exec(d.toString().trim()) || [];
  if (i !== undefined) sockets[Number(i)].send(text);
});
process.stdin.on("end", () => {
  sockets.forEach((s) => s.close());
  process.exit(0);
});
