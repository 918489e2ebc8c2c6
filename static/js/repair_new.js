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
  const nameInput = form.elements.namedItem("resident_name");
  const phoneInput = form.elements.namedItem("resident_phone");
  const technician = form.elements.namedItem("technician");

  function url(base, params) {
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

  // --- the unit: looked up as the clerk types (the intake desk's lookup) ----------------
  let lastTerm = null;
  const lookup = debounce(async () => {
    const term = search.value.trim();
    if (term === lastTerm) return;
    lastTerm = term;
    if (!term) {
      matchesSlot.innerHTML = "";
      return;
    }
    const html = await fragment(url(desk.dataset.unitsUrl, { q: term }));
    if (search.value.trim() === term) matchesSlot.innerHTML = html;
  }, 200);

  if (search) {
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

  function attachUnit(list) {
    const id = list && list.dataset.unitId;
    if (!id) return;
    unitInput.value = id;
    $("unit-attached-label").textContent = list.dataset.unitLabel || "";
    $("unit-attached").hidden = false;
    if (!nameInput.value && list.dataset.residentName) nameInput.value = list.dataset.residentName;
    if (!phoneInput.value && list.dataset.residentPhone) {
      phoneInput.value = list.dataset.residentPhone;
    }
  }

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
    attachUnit(historySlot.querySelector("[data-unit-id]"));
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
  let sent = false;
  form.addEventListener("submit", (event) => {
    if (sent) event.preventDefault();
    sent = true;
    window.setTimeout(() => {
      sent = false;
    }, 3000);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!form.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    event.preventDefault();
    form.requestSubmit(form.querySelector("[data-testid=save]"));
  });
})();
