// admin: the Socket.IO admin UI (npm package @socket.io/admin-ui, its
// prebuilt ui/dist served by the chi example at /admin/) in headless
// Chromium, against the Go server's admin namespace (package admin).
//
//   node browser/admin.mjs <base-url> --user=U --password=P --wrong=W \
//     --expect=ID1,ID2 --join=ID --room=R --kick=ID --clients=N [--chromium=...] [--timeout=MS]
//
// It fills the UI's connection form (server URL: the base URL's origin;
// the path and admin namespace are the form's defaults) with the wrong
// password W and reads the error the form shows; then with P and waits
// for the form to close. It reads the sockets page until every id of
// --expect is listed, opens the page of socket --join and joins it to room
// R with the page's form, reads the rooms page until R shows one socket,
// disconnects socket --kick with its button on the sockets page and waits
// for its row to go, reads the events page once it shows that
// disconnection and an event sent to socket --join, and reads the servers
// page once it shows N clients. Requests to other origins
// (the UI's web fonts) are refused. On success it prints one JSON line with
// what the pages showed and exits 0; on failure "FAIL [admin]: ..." on
// stderr, exit 1.

import { browserScript } from "./harness.mjs";

const { url, timeout, diag, fail, launch } = browserScript("admin");
const argv = process.argv.slice(2);
const opt = (key) => {
  const a = argv.find((x) => x.startsWith(`--${key}=`));
  return a ? a.slice(key.length + 3) : "";
};
const origin = new URL(url).origin;
const expect = opt("expect").split(",").filter(Boolean);
const [user, password, wrong, joinID, room, kickID] = ["user", "password", "wrong", "join", "room", "kick"].map(opt);
const step = Math.min(30000, timeout);

// tableRows (installed in the page as window.tableRows) returns the rows
// (their cells' texts) of the visible data tables inside the elements
// matching scope: the UI keeps the pages it left in the document, hidden.
function tableRows(scope = "") {
  return [...document.querySelectorAll(`${scope} .v-data-table tbody tr`)]
    .filter((tr) => tr.offsetParent !== null)
    .map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()));
}
const rows = (page, scope = "") => page.evaluate((scope) => window.tableRows(scope), scope);
// until waits for pred(arg), run in the page, to hold.
const until = (page, pred, arg) => page.waitForFunction(pred, arg, { timeout: step });

async function login(page, pass) {
  const dialog = page.locator(".v-dialog--active");
  await dialog.getByLabel("Server URL").fill(origin);
  await dialog.getByLabel("Username").fill(user);
  await dialog.getByLabel("Password").fill(pass);
  await dialog.getByRole("button", { name: "Connect" }).click();
}

try {
  const browser = await launch();
  const context = await browser.newContext();
  await context.addInitScript(`window.tableRows = ${tableRows}`);
  await context.route("**/*", (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("console", (m) => diag.console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => diag.errors.push(e.message));
  const resp = await page.goto(`${origin}/admin/`, { timeout: step });
  if (!resp || resp.status() !== 200) await fail(`GET /admin/: ${resp?.status()}`);

  // A wrong password: the form stays, with the UI's error.
  await login(page, wrong);
  const errorText = page.locator(".v-dialog--active .red--text");
  await errorText.waitFor({ timeout: step });
  const loginError = (await errorText.textContent()).trim();

  await login(page, password);
  await page.locator(".v-dialog--active").waitFor({ state: "detached", timeout: step });

  // The sockets page lists the server's sockets.
  await page.evaluate(() => (location.hash = "#/sockets/"));
  await until(page, (ids) => ids.every((id) => tableRows().some((r) => r[0] === id)), expect);
  const sockets = await rows(page);

  // Its page: join a room with the page's form.
  await page.locator(".v-data-table tbody tr", { hasText: joinID }).click();
  await page.waitForFunction((id) => location.hash.endsWith(`/sockets/${id}`), joinID, { timeout: step });
  await page.getByLabel("Join a room").fill(room);
  await page.locator("form", { has: page.getByLabel("Join a room") }).locator("button[type=submit]").click();
  const roomsCard = ".v-card:has(form)";
  await until(page, ([scope, room]) => tableRows(scope).some((r) => r[0] === room), [roomsCard, room]);
  const socketRooms = await rows(page, roomsCard);

  // The rooms page shows the room and its one socket.
  await page.evaluate(() => (location.hash = "#/rooms/"));
  await until(page, (room) => tableRows().some((r) => r[0] === room && r[2] === "1"), room);
  const rooms = await rows(page);

  // Disconnect a socket with its button on the sockets page (the click
  // also opens its page, as a click on its row does), then back to the
  // sockets page until the row is gone.
  await page.evaluate(() => (location.hash = "#/sockets/"));
  await page
    .locator(".v-data-table tbody tr", { hasText: kickID })
    .filter({ has: page.locator("button .mdi-logout") })
    .locator("button")
    .click();
  await page.evaluate(() => (location.hash = "#/sockets/"));
  await until(page, ([gone, stays]) => !tableRows().some((r) => r[0] === gone) && tableRows().some((r) => r[0] === stays), [kickID, joinID]);
  const socketsAfter = await rows(page);

  // The events page (development mode): what happened to the sockets,
  // newest first; the chat announced the disconnection to the other client
  // (an event sent).
  await page.evaluate(() => (location.hash = "#/events/"));
  await until(
    page,
    ([gone, stays]) =>
      tableRows().some((r) => r.includes(gone) && r.includes("Disconnection")) &&
      tableRows().some((r) => r.includes(stays) && r.includes("Event sent")),
    [kickID, joinID],
  );
  const events = await rows(page);

  // The servers page: this server's stats, once they count --clients
  // Engine.IO clients (they come every 2 seconds).
  await page.evaluate(() => (location.hash = "#/servers/"));
  await until(page, (n) => tableRows().length === 1 && tableRows()[0][4] === n, opt("clients"));
  const servers = await rows(page);

  await browser.close();
  console.log(JSON.stringify({ scenario: "admin", loginError, sockets, socketRooms, rooms, socketsAfter, events, servers, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e && e.stack ? e.stack : String(e));
}
