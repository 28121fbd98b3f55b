/* The poster's print button (a listener, not an inline onclick: the CSP allows no inline
 * handlers). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
})();
