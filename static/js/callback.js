// The callback form (回访记录): the questions for a reached resident hide when nobody
// answered, the signature pad shows only for a visit. Without JavaScript every part
// shows and the service says what is missing.
(function () {
  "use strict";
  document.querySelectorAll("[data-callback-form]").forEach(function (form) {
    function checked(name) {
      var el = form.querySelector("input[name=" + name + "]:checked");
      return el ? el.value : "";
    }
    function update() {
      var reached = checked("reached") !== "no";
      var visit = checked("method") === "visit";
      form.querySelectorAll("[data-when-reached]").forEach(function (el) { el.hidden = !reached; });
      form.querySelectorAll("[data-when-visit]").forEach(function (el) { el.hidden = !(visit && reached); });
    }
    form.addEventListener("change", update);
    // After signature.js has put the drawing in: a drawing is sent only with a visit.
    form.addEventListener("submit", function () {
      if (checked("method") !== "visit" || checked("reached") === "no") {
        var field = form.querySelector("input[name=signature]");
        if (field) field.value = "";
      }
    });
    update();
  });
})();
