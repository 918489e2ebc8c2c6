// Progressive enhancement only: every form works without this file.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// A print button (the printed 《住户投诉意见表》): no inline handlers under our CSP.
document.addEventListener("click", (event) => {
  const el = event.target;
  if (el instanceof Element && el.closest("[data-print]")) {
    window.print();
  }
});

// Revealing a resident's contact data (staff.privacy): the button posts and the server
// records the reveal; here its answer replaces the masked values in place. Without this
// file the button submits its own form to the same URL and a page says the same (in a
// list that is itself a form, the case's own page has that button).
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-reveal]") : null;
  if (!button) return;
  event.preventDefault();
  const token = document.querySelector("meta[name=csrf-token]")?.getAttribute("content") ?? "";
  const box = button.closest(".contact");
  const response = await fetch(button.dataset.reveal, {
    method: "POST",
    headers: { "X-Requested-With": "fetch", "X-CSRFToken": token },
    credentials: "same-origin",
  });
  if (response.ok && box) box.innerHTML = await response.text();
});
