// Scenario: heartbeat keeps an idle connection open.
//
// Stays idle for --duration ms (default 2000) and requires at least
// --min-pings (default 3) server pings ("ping" events; the client answers
// each with a pong) and no close. Then checks the connection still echoes and
// closes. The observed ping intervals are reported.
//
// node eio/heartbeat.js URL [--transport=MODE] [--duration=2000] [--min-pings=3]
import { Scenario, EchoTracker, ScenarioError, intArg } from "./lib.js";

const scn = new Scenario("heartbeat");
const duration = intArg(scn.args, "duration", 2000);
const minPings = intArg(scn.args, "min-pings", 3);

scn.run(async () => {
  const c = await scn.connect();
  const openedAt = Date.now();
  // idle: any close during this period fails the scenario (see Client)
  await new Promise((resolve) => {
    const check = () => {
      if (Date.now() - openedAt >= duration && c.pings >= minPings) return resolve();
      setTimeout(check, 50);
    };
    check();
  });
  await c.waitUpgrade();
  const echo = new EchoTracker(c);
  echo.send("still alive");
  await echo.finish();
  c.assertTransport();
  if (c.pings < minPings) throw new ScenarioError(`only ${c.pings} pings`);
  const intervals = c.pingTimes.slice(1).map((t, i) => t - c.pingTimes[i]);
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, idleMs: Date.now() - openedAt, pingIntervalsMs: intervals };
});
