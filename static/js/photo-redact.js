/* Draw a redaction rectangle by dragging on the photo (mouse, pen or finger); the rectangle's
 * per-cent values go into the form's number fields, which also work on their own (keyboard).
 * Event delegation, so it keeps working after htmx swaps the fragment. */
(function () {
  "use strict";
  var drag = null;

  function pct(v) { return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10; }

  function rectOf(d, ev) {
    var r = d.img.getBoundingClientRect();
    var x = (ev.clientX - r.left) / r.width * 100, y = (ev.clientY - r.top) / r.height * 100;
    return { x: pct(Math.min(d.x0, x)), y: pct(Math.min(d.y0, y)),
             w: pct(Math.abs(x - d.x0)), h: pct(Math.abs(y - d.y0)) };
  }

  document.addEventListener("pointerdown", function (ev) {
    var stage = ev.target.closest && ev.target.closest("[data-redact-stage]");
    if (!stage) return;
    var img = stage.querySelector("img");
    var r = img.getBoundingClientRect();
    drag = { stage: stage, img: img, draft: stage.querySelector("[data-redact-draft]"),
             x0: (ev.clientX - r.left) / r.width * 100, y0: (ev.clientY - r.top) / r.height * 100 };
    stage.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });

  document.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    var b = rectOf(drag, ev);
    drag.draft.hidden = false;
    drag.draft.style.left = b.x + "%";
    drag.draft.style.top = b.y + "%";
    drag.draft.style.width = b.w + "%";
    drag.draft.style.height = b.h + "%";
  });

  document.addEventListener("pointerup", function (ev) {
    if (!drag) return;
    var b = rectOf(drag, ev);
    var form = drag.stage.closest(".redactions").querySelector("[data-redact-form]");
    drag = null;
    if (b.w < 0.5 || b.h < 0.5) return;
    ["x", "y", "w", "h"].forEach(function (k) {
      form.querySelector("[data-redact-field=" + k + "]").value = b[k];
    });
    form.querySelector("button[type=submit]").focus();
  });
})();
