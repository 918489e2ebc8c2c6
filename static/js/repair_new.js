// The desk's repair form (repairs/new.html). Progressive enhancement: without this file
// the unit search reloads the page with ?unit=, and the form still posts.
(() => {
  "use strict";
  const desk = document.getElementById("repair-desk");
  const form = document.getElementById("repair-form");
  if (!desk || !form) return;

  const $ = (id) => document.getElementById(id);
  const search = $("unit-search");
  const matchesSlot = $("unit-matches-slot");
  const historyCard = $("unit-history-card");
  const historySlot = $("unit-history-slot");
  const unitInput = form.elements.namedItem("unit_id");
  const technician = form.elements.namedItem("technician");

  const { fragment } = window.Desk;
  const url = (base, params) => window.Desk.url(desk, base, params);

  // --- the unit: looked up as the clerk types (the intake desk's lookup) ----------------
  window.Desk.unitLookup(desk, search, matchesSlot);

  matchesSlot.addEventListener("click", async (event) => {
    const pick = event.target.closest(".unit-pick");
    if (!pick) return;
    event.preventDefault();
    const params = { unit: pick.dataset.unit };
    if (pick.dataset.resident) params.resident = pick.dataset.resident;
    const html = await fragment(url(desk.dataset.historyUrl, params));
    if (!html.trim()) return;
    historySlot.innerHTML = html;
    historyCard.hidden = false;
    window.Desk.attachUnit(form, historySlot.querySelector("[data-unit-id]"));
    const description = form.elements.namedItem("description");
    if (description) description.focus();
  });

  const unitClear = $("unit-clear");
  if (unitClear) {
    unitClear.addEventListener("click", (event) => {
      event.preventDefault();
      unitInput.value = "";
      $("unit-attached").hidden = true;
      historySlot.innerHTML = "";
      historyCard.hidden = true;
    });
  }

  // --- the agreed time shows for an appointment only ------------------------------------
  const appointment = $("appointment-field");
  function showAppointment() {
    const chosen = form.querySelector("input[name=urgency]:checked");
    const wanted = chosen && chosen.value === "appointment";
    const invalid = appointment.querySelector(".is-invalid");
    appointment.hidden = !wanted && !invalid;
  }
  form.querySelectorAll("input[name=urgency]").forEach((radio) => {
    radio.addEventListener("change", showAppointment);
  });
  showAppointment();

  // --- choosing a technician is choosing to assign ---------------------------------------
  if (technician) {
    technician.addEventListener("change", () => {
      const assign = form.querySelector("input[name=dispatch][value=assign]");
      if (technician.value && assign) assign.checked = true;
    });
  }

  // --- keyboard: Ctrl+Enter saves; one click saves once ---------------------------------
  window.Desk.sendOnce(form);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!form.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    event.preventDefault();
    form.requestSubmit(form.querySelector("[data-testid=save]"));
  });
})();
