// Scenario: messages in flight while the transport is upgraded.
//
// Keeps sending numbered text messages from the moment the connection opens:
// on a timer while on polling ("before"), synchronously from the "upgrading"
// event while the client is pausing polling ("during"), and again on a timer
// once the "upgrade" event fired ("after"), until --after (default 100)
// messages were sent after the upgrade. Every echo must arrive exactly once
// and in order, and the client must end on websocket.
//
// In "polling" / "websocket" modes (no upgrade) it is a paced streaming echo of
// --total (default 300) messages.
//
// node eio/upgrade-inflight.js URL [--transport=MODE] [--after=100] [--total=300] [--during=10]
import { Scenario, EchoTracker, ScenarioError, intArg } from "./lib.js";

const scn = new Scenario("upgrade-inflight");
const afterTarget = intArg(scn.args, "after", 100);
const totalTarget = intArg(scn.args, "total", 300);
const duringBurst = intArg(scn.args, "during", 10);
const maxBeforeUpgrade = intArg(scn.args, "max-before", 20000);

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  const counts = { before: 0, during: 0, after: 0 };
  let phase = scn.mode === "upgrade" ? "before" : "steady";
  let seq = 0;
  scn.state.counts = counts;
  scn.state.echo = echo;

  const sendOne = () => {
    const i = seq++;
    echo.send(`n${i}-${phase}`, { i, phase });
    counts[phase] = (counts[phase] ?? 0) + 1;
  };

  c.socket.on("upgrading", () => {
    phase = "during";
    // these are buffered by the client while polling is paused and go out on
    // websocket right after the "upgrade" packet
    for (let k = 0; k < duringBurst; k++) sendOne();
  });
  c.socket.on("upgrade", () => {
    phase = "after";
    sendOne();
  });

  // Pump: a few messages per timer tick, so sends are interleaved with the
  // network activity of the upgrade (probe, pause, noop, upgrade packet).
  await new Promise((resolve, reject) => {
    const tick = () => {
      if (scn.mode === "upgrade") {
        if (phase === "after" && counts.after >= afterTarget) return resolve();
        if (counts.before > maxBeforeUpgrade) {
          return reject(new ScenarioError(`no upgrade after ${counts.before} messages sent on polling`));
        }
      } else if (seq >= totalTarget) {
        return resolve();
      }
      for (let k = 0; k < 3; k++) sendOne();
      setTimeout(tick, 1);
    };
    tick();
  });

  await echo.all();
  await echo.finish();
  c.assertTransport();
  if (scn.mode === "upgrade") {
    if (counts.before === 0 || counts.during === 0 || counts.after === 0) {
      throw new ScenarioError("did not send in every phase", counts);
    }
  }
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, sent: echo.expected.length, counts, arrivals: echo.arrivals };
});
