// The resident's signature drawn with a finger (or a mouse) on the repair order's page.
// The drawing goes to the hidden "signature" field as a PNG when the form is sent; without
// JavaScript the pad stays hidden and the typed name or the reason is used.
(function () {
  "use strict";
  document.querySelectorAll("[data-signature-pad]").forEach(function (pad) {
    var form = pad.closest("form");
    var canvas = pad.querySelector("canvas");
    var field = form.querySelector("input[name=signature]");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    pad.hidden = false;

    function clear() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return {
        x: (e.clientX - r.left) * (canvas.width / r.width),
        y: (e.clientY - r.top) * (canvas.height / r.height),
      };
    }
    clear();
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";

    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      drawing = true;
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      var p = point(e);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    pad.querySelector("[data-signature-clear]").addEventListener("click", clear);
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
