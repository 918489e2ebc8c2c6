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
