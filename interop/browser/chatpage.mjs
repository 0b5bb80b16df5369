// What the browser scripts know of chi_example's chat page (chat.mjs,
// chat-all.mjs, chat-page.mjs, screenshot.mjs): installed in every page of
// a context with context.addInitScript(chatPageHelpers), it defines
// window.__chat, which reads the page's log and state.
//
// The page's log: an announcement is an li.announcement with data-event
// ("connected", "disconnected", "reconnected") and data-id; a chat line is
// an li.msg with data-from (the sender's id), a .from name and a .text,
// and the class "mine" on the page's own lines. __chat.lines() writes them
// as "<event>: <id>" and "<from id><text>", the seed's wire form.
export function chatPageHelpers() {
  window.__chat = {
    lines: () =>
      [...document.querySelectorAll("#log li")].map((li) =>
        li.dataset.event
          ? `${li.dataset.event}: ${li.dataset.id}`
          : li.dataset.from !== undefined
            ? li.dataset.from + li.querySelector(".text").textContent
            : li.textContent,
      ),
    has: (line) => window.__chat.lines().includes(line),
    // How the page shows the chat line <from><text>: the name beside it,
    // whether it is marked as the page's own, and on which side it sits.
    shownAs: (from, text) => {
      const li = [...document.querySelectorAll("#log li.msg")].find(
        (l) => l.dataset.from === from && l.querySelector(".text").textContent === text,
      );
      if (!li) return null;
      const box = li.getBoundingClientRect();
      const list = li.parentElement.getBoundingClientRect();
      return {
        name: li.querySelector(".from").textContent,
        mine: li.classList.contains("mine"),
        side: box.right > list.right - 20 ? "right" : box.left < list.left + 20 ? "left" : "middle",
      };
    },
    // The connection state the page shows and whether sending is possible.
    state: () => ({
      state: document.body.dataset.state,
      label: document.getElementById("state").textContent,
      notice: document.getElementById("notice").hidden ? "" : document.getElementById("notice").textContent,
      me: document.getElementById("me").textContent,
      inputDisabled: document.getElementById("text").disabled,
      sendDisabled: document.getElementById("send").disabled,
    }),
  };
}
