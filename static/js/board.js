// The repair board (repairs/board.html). Progressive enhancement: without this file the
// page shows the same board, and the "Refresh" link reloads it.
(() => {
  "use strict";
  const region = document.getElementById("board-live");
  if (!region || !window.fetch) return;

  const EVERY_MS = 30000;
  const base = region.dataset.liveUrl;
  const query = region.dataset.liveQuery || "";
  const address = query ? `${base}?${query}` : base;
  let timer = 0;
  let busy = false;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    region.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(address, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        cache: "no-store",
      });
      // A lost session answers with the login page: reload, so the user sees it.
      if (response.redirected) {
        window.location.reload();
        return;
      }
      if (response.ok) region.innerHTML = await response.text();
    } catch (_error) {
      // Offline for a moment: the next round tries again.
    } finally {
      busy = false;
      region.removeAttribute("aria-busy");
    }
  }

  function schedule() {
    window.clearInterval(timer);
    timer = window.setInterval(refresh, EVERY_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      refresh();
      schedule();
    }
  });
  schedule();
})();
