/* The list view (#spot-panel, htmx keeps it fresh): the ☰ toggle swaps map and list, and
   "Show on the map" in the list opens that spot on the map. */
import { $ } from "../lib/dom.js";
import { closeSheet, sheets } from "./sheets.js";

let map = null;

/** True while the list, not the map, is shown. */
export function listOpen() { return $("#walk-mode").classList.contains("list-open"); }

/** Show the list (*open*) or the map. */
export function setListOpen(open) {
  const panel = $("#spot-panel");
  panel.hidden = !open;
  $("#walk-mode").classList.toggle("list-open", open);
  $("#view-toggle").setAttribute("aria-expanded", open ? "true" : "false");
  if (open) {
    closeSheet(sheets.detail);
    const h = $("#spot-panel-heading");
    h.setAttribute("tabindex", "-1");
    h.focus({ preventScroll: true });
  } else {
    setTimeout(() => map.invalidateSize(), 0);
  }
}

/** Start on the map; *showSpot(id)* runs for "Show on the map" (after the map is back). */
export function initListView(leafletMap, showSpot) {
  map = leafletMap;
  const panel = $("#spot-panel");
  setListOpen(false);
  $("#view-toggle").addEventListener("click", () => setListOpen(panel.hidden));
  panel.addEventListener("click", (e) => {
    const b = e.target.closest("[data-show-spot]");
    if (!b) return;
    setListOpen(false);
    showSpot(Number(b.getAttribute("data-show-spot")));
  });
}
