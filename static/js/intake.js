// The intake desk (complaints/intake.html). Progressive enhancement: without this file
// the unit search reloads the page and every button still posts the form.
(() => {
  "use strict";
  const desk = document.getElementById("intake-desk");
  const form = document.getElementById("intake-form");
  if (!desk || !form) return;

  const $ = (id) => document.getElementById(id);
  const search = $("unit-search");
  const matchesSlot = $("unit-matches-slot");
  const historySlot = $("unit-history-slot");
  const unitInput = form.elements.namedItem("unit_id");
  const repeatInput = form.elements.namedItem("repeat_of_id");
  const nameInput = form.elements.namedItem("resident_name");
  const phoneInput = form.elements.namedItem("resident_phone");
  const category = form.elements.namedItem("category");
  const department = form.elements.namedItem("department");

  const { fragment, debounce } = window.Desk;
  const url = (base, params) => window.Desk.url(desk, base, params);

  // --- the unit: looked up as the clerk types ------------------------------------------
  window.Desk.unitLookup(desk, search, matchesSlot);

  // --- "this is a repair": the repair form, carrying the unit and what was typed -------
  const repairSwitch = $("repair-switch");
  const descriptionInput = form.elements.namedItem("description");
  function updateRepairSwitch() {
    if (!repairSwitch) return;
    const params = {};
    if (unitInput.value) params.unit = unitInput.value;
    const carried = { name: nameInput, phone: phoneInput, description: descriptionInput };
    for (const [param, input] of Object.entries(carried)) {
      const value = input ? input.value.trim() : "";
      if (value) params[param] = value.slice(0, 500);
    }
    const query = new URLSearchParams(params);
    if (desk.dataset.estate) query.set("estate", desk.dataset.estate);
    const text = query.toString();
    repairSwitch.href = text ? `${repairSwitch.dataset.url}?${text}` : repairSwitch.dataset.url;
  }
  if (repairSwitch) {
    form.addEventListener("input", updateRepairSwitch);
    form.addEventListener("change", updateRepairSwitch);
    // Alt+R "clicks" the link: the query is made fresh just before it is followed.
    repairSwitch.addEventListener("click", updateRepairSwitch);
    // Alt+R as the label says, in every browser (Firefox wants Alt+Shift for accesskey).
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.code !== "KeyR") return;
      event.preventDefault();
      updateRepairSwitch();
      window.location.assign(repairSwitch.href);
    });
  }

  function attachUnit(panel) {
    if (window.Desk.attachUnit(form, panel)) updateRepairSwitch();
  }

  async function showHistory(params, attach) {
    const html = await fragment(url(desk.dataset.historyUrl, params));
    if (!html.trim() && !attach) return;
    historySlot.innerHTML = html;
    const panel = historySlot.querySelector("[data-testid=unit-history]");
    if (attach || !unitInput.value) attachUnit(panel);
  }

  matchesSlot.addEventListener("click", (event) => {
    const pick = event.target.closest(".unit-pick");
    if (!pick) return;
    event.preventDefault();
    const params = { unit: pick.dataset.unit };
    if (pick.dataset.resident) params.resident = pick.dataset.resident;
    showHistory(params, true);
  });

  const unitClear = $("unit-clear");
  if (unitClear) {
    unitClear.addEventListener("click", (event) => {
      event.preventDefault();
      unitInput.value = "";
      $("unit-attached").hidden = true;
      historySlot.innerHTML = "";
      updateRepairSwitch();
    });
  }

  // A full phone number known to the registry: its unit's history at once, unit attached.
  let lastPhone = "";
  const phoneLookup = debounce(() => {
    const phone = phoneInput.value.trim();
    const digits = phone.replace(/\D/g, "");
    const complete = /^1\d{10}$/.test(digits) || (phone.includes("-") && digits.length >= 10);
    if (!complete || phone === lastPhone) return;
    lastPhone = phone;
    showHistory({ phone }, false);
  }, 150);
  phoneInput.addEventListener("input", phoneLookup);

  // --- the category's default department ------------------------------------------------
  const defaults = JSON.parse(category.dataset.defaultDepartments || "{}");
  let autoDepartment = "";
  function preselect() {
    const wanted = defaults[category.value];
    if (!wanted) return;
    if (department.value === "" || department.value === autoDepartment) {
      department.value = String(wanted);
      autoDepartment = department.value;
    }
  }
  category.addEventListener("change", preselect);
  preselect();

  // --- a matter raised again ------------------------------------------------------------
  const prompt = $("repeat-prompt");
  const unlink = $("repeat-unlink");
  historySlot.addEventListener("click", (event) => {
    const pick = event.target.closest(".repeat-pick");
    if (!pick) return;
    event.preventDefault();
    const item = pick.closest("[data-history-item]");
    repeatInput.value = pick.dataset.repeat;
    const link = $("repeat-of-link");
    link.textContent = pick.dataset.number;
    link.href = item.querySelector("a").href;
    const summary = item.querySelector(".repeat-summary");
    $("repeat-of-summary").textContent = summary ? summary.textContent : "";
    prompt.hidden = false;
    unlink.hidden = false;
    const first = prompt.querySelector("input[type=radio]");
    if (first) first.focus();
  });
  if (repeatInput.value) unlink.hidden = false;
  unlink.addEventListener("click", () => {
    repeatInput.value = "";
    prompt.hidden = true;
    prompt.querySelectorAll("input[type=radio]").forEach((r) => {
      r.checked = false;
    });
  });

  // --- free text: how much room is left -------------------------------------------------
  const showCount = (el) => {
    if (!(el instanceof HTMLTextAreaElement) || !el.dataset.count) return;
    const counter = form.querySelector(`[data-count-for="${el.id}"]`);
    if (!counter) return;
    counter.querySelector(".char-count-n").textContent = String(el.value.length);
    counter.classList.toggle("near-limit", el.value.length > Number(el.dataset.count) * 0.9);
  };
  form.addEventListener("input", (event) => showCount(event.target));
  // Text typed before this script ran, or kept by the browser or a refused save.
  form.querySelectorAll("textarea[data-count]").forEach(showCount);

  // --- keyboard: Ctrl+Enter saves, Ctrl+Shift+Enter saves and takes the next one --------
  window.Desk.sendOnce(form);
  // Enter in a one-line field saves, as in any form: the history panel's "link as a
  // repeat" buttons come first in the page and would otherwise be the default button.
  form.addEventListener("keydown", (event) => {
    const el = event.target;
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!(el instanceof HTMLInputElement) || ["radio", "checkbox"].includes(el.type)) return;
    event.preventDefault();
    form.requestSubmit(form.querySelector("[data-testid=save]"));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!form.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    event.preventDefault();
    const which = event.shiftKey ? "[data-testid=save-next]" : "[data-testid=save]";
    form.requestSubmit(form.querySelector(which));
  });
})();
