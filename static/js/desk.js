// What the desk's two forms share (the intake desk and the repair form): fragments
// fetched from the server, the unit looked up as the clerk types, a chosen unit attached
// to the form, and a form that is sent once however often it is clicked.
window.Desk = (() => {
  "use strict";

  function url(desk, base, params) {
    const query = new URLSearchParams(params);
    if (desk.dataset.estate) query.set("estate", desk.dataset.estate);
    return `${base}?${query}`;
  }

  async function fragment(address) {
    const response = await fetch(address, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    return response.ok ? response.text() : "";
  }

  function debounce(fn, ms) {
    let timer = 0;
    return (...args) => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => fn(...args), ms);
    };
  }

  // The unit looked up as the clerk types: matches in matchesSlot; Enter picks the first,
  // the down arrow moves to it.
  function unitLookup(desk, search, matchesSlot) {
    if (!search) return;
    let lastTerm = null;
    const lookup = debounce(async () => {
      const term = search.value.trim();
      if (term === lastTerm) return;
      lastTerm = term;
      if (!term) {
        matchesSlot.innerHTML = "";
        return;
      }
      const html = await fragment(url(desk, desk.dataset.unitsUrl, { q: term }));
      if (search.value.trim() === term) matchesSlot.innerHTML = html;
    }, 200);
    search.addEventListener("input", lookup);
    search.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = matchesSlot.querySelector(".unit-pick");
      if (first && lastTerm === search.value.trim()) first.click();
      else lookup();
    });
    search.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown") return;
      const first = matchesSlot.querySelector(".unit-pick");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  // The unit of a history panel (its data-unit-* attributes) attached to the form, and
  // its resident's name and phone where the clerk has typed none. True if attached.
  function attachUnit(form, panel) {
    const id = panel && panel.dataset.unitId;
    if (!id) return false;
    form.elements.namedItem("unit_id").value = id;
    document.getElementById("unit-attached-label").textContent = panel.dataset.unitLabel || "";
    document.getElementById("unit-attached").hidden = false;
    const name = form.elements.namedItem("resident_name");
    const phone = form.elements.namedItem("resident_phone");
    if (!name.value && panel.dataset.residentName) name.value = panel.dataset.residentName;
    if (!phone.value && panel.dataset.residentPhone) phone.value = panel.dataset.residentPhone;
    return true;
  }

  // One click (or Ctrl+Enter) saves once: a second submit within 3 s is dropped.
  function sendOnce(form) {
    let sent = false;
    form.addEventListener("submit", (event) => {
      if (sent) event.preventDefault();
      sent = true;
      window.setTimeout(() => {
        sent = false;
      }, 3000);
    });
  }

  return { url, fragment, debounce, unitLookup, attachUnit, sendOnce };
})();
