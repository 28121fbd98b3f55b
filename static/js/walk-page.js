/* Walk page: copy the join link. */
(function () {
  "use strict";
  var me = document.currentScript;
  var btn = document.getElementById("copy-join");
  var state = document.getElementById("copy-state");
  if (!btn) { return; }
  btn.addEventListener("click", function () {
    var text = btn.getAttribute("data-copy");
    var done = function () { state.textContent = me.getAttribute("data-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  });
  function fallback(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed"; ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* the link is on the page to copy by hand */ }
    document.body.removeChild(ta);
  }
})();
