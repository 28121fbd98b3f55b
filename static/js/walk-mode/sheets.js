/* The bottom sheets (the new-spot form #spot-sheet and a spot's details #spot-detail): open
   and close them, close them with ✕ or Escape, and keep a point of the map visible above them. */
import { $, $$ } from "../lib/dom.js";

const closeHooks = new Map();  // sheet -> what closing it must undo
let afterClose = () => {};

/** The new-spot sheet and the detail sheet. */
export const sheets = { form: null, detail: null };

/** True if sheet *el* is shown. */
export function isOpen(el) { return el && !el.hidden; }

/** True if either sheet is shown. */
export function anyOpen() { return isOpen(sheets.form) || isOpen(sheets.detail); }

/** Show sheet *el* and move the focus to its heading. */
export function openSheet(el) {
  el.hidden = false;
  $("#walk-mode").classList.add("sheet-open");
  const h = el.querySelector("h2");
  if (h) { h.setAttribute("tabindex", "-1"); h.focus({ preventScroll: true }); }
}

/** Hide sheet *el* (run its close hook), then give the focus to *returnFocus* if given. */
export function closeSheet(el, returnFocus) {
  if (!el || el.hidden) return;
  el.hidden = true;
  if (!anyOpen()) $("#walk-mode").classList.remove("sheet-open");
  (closeHooks.get(el) || (() => {}))();
  if (!anyOpen()) afterClose();
  if (returnFocus && returnFocus.focus) returnFocus.focus();
}

/**
 * Find the sheets, and wire ✕ and Escape (the focus goes back to *focusBack*). *onClose* maps
 * "form"/"detail" to what closing that sheet undoes; *whenAllClosed* runs when none is open.
 */
export function initSheets(focusBack, onClose, whenAllClosed) {
  sheets.form = $("#spot-sheet");
  sheets.detail = $("#spot-detail");
  closeHooks.set(sheets.form, onClose.form);
  closeHooks.set(sheets.detail, onClose.detail);
  afterClose = whenAllClosed;
  $$("[data-close]").forEach((b) => {
    b.addEventListener("click", () => closeSheet(b.closest(".sheet"), focusBack));
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { closeSheet(sheets.detail, focusBack); closeSheet(sheets.form, focusBack); }
  });
}

/** Pan *map* so that point *ll* rests above the open sheet (which covers the map's lower part). */
export function revealAboveSheet(map, ll) {
  const open = isOpen(sheets.form) ? sheets.form : (isOpen(sheets.detail) ? sheets.detail : null);
  const size = map.getSize();
  // offsetTop ignores the sheet's slide-in transform, so this is where it will come to rest.
  const bottom = open ? open.offsetTop - $("#wm-map").offsetTop : size.y;
  const targetY = Math.max(60, bottom / 2);
  const p = map.latLngToContainerPoint(ll);
  map.panBy([p.x - size.x / 2, p.y - targetY], { animate: true });
}
