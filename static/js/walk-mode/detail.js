/* A spot's details in the bottom sheet #spot-detail, drawn from its GeoJSON properties (the
   same Feature the map has, so it works from what the last poll brought). Whether the user may
   edit it is the server's answer (may_edit); the leader also gets Hide / Show again. */
import { $, esc } from "../lib/dom.js";
import { cfg, T, urlFor } from "./config.js";
import * as layer from "./live-layer.js";
import { setHidden } from "./send.js";
import { closeSheet, isOpen, openSheet, revealAboveSheet, sheets } from "./sheets.js";
import { showToast } from "./toast.js";

let map = null;
let focusBack = null;
let beforeOpen = () => {};

function timeOf(iso) {
  try {
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || "da",
      { hour: "2-digit", minute: "2-digit", timeZone: cfg.timeZone });
  } catch (e) { return ""; }
}

/** The detail card of a spot, as HTML, from its GeoJSON properties *p*. */
export function detailHtml(p) {
  const badges = '<span class="badge ' + p.kind + '">' + esc(T[p.kind]) + "</span>" +
    (p.own ? ' <span class="badge own">' + esc(T.own) + "</span>" : "") +
    (p.hidden ? ' <span class="badge hidden">' + esc(T.hidden) + "</span>" : "");
  const cats = (p.categories || []).map((c) => esc(cfg.categories[c] || c)).join(", ");
  let html = '<p class="row">' + badges + "</p>";
  if (cats) html += '<p class="cats">' + cats + "</p>";
  if (p.feeling) html += '<p class="meta">' + esc(T.feeling) + ": " + p.feeling + "/5</p>";
  if (p.note) html += '<p class="note">' + esc(p.note) + "</p>";
  html += '<p class="meta">' + (p.participant_role ? esc(T.by) + " " +
    esc(T["role_" + p.participant_role] || p.participant_role) + " · " : "") +
    esc(timeOf(p.observed_at)) + "</p>";
  if (p.photos && p.photos.length) {
    html += '<ul class="detail-photos">' + p.photos.map((ph) =>
      '<li><a href="' + esc(ph.display) + '" target="_blank" rel="noopener"><img src="' +
      esc(ph.thumb) + '" alt="' + esc(T.photo_alt) + '" loading="lazy"></a></li>').join("") +
      "</ul>";
  }
  let actions = "";
  if (p.may_edit) {
    actions += '<a class="button" href="' + esc(urlFor(cfg.editUrl, p.id)) + '">' +
      esc(T.edit) + "</a>";
  }
  if (cfg.isLeader) {
    actions += '<button type="button" class="danger" data-hide="' + (p.hidden ? "0" : "1") +
      '">' + esc(p.hidden ? T.unhide : T.hide) + "</button>";
  }
  if (actions) html += '<div class="row detail-actions">' + actions + "</div>";
  return html;
}

function wireHide(body, id) {
  const hideBtn = body.querySelector("[data-hide]");
  if (!hideBtn) return;
  hideBtn.addEventListener("click", () => {
    hideBtn.disabled = true;
    setHidden(id, hideBtn.getAttribute("data-hide"))
      .then((res) => {
        if (!res.ok) { showToast(res.body.error || T.error, 4000); hideBtn.disabled = false; return; }
        layer.upsert(res.body);
        layer.listChanged();
        closeSheet(sheets.detail, focusBack);
      })
      .catch(() => { showToast(T.error, 4000); hideBtn.disabled = false; });
  });
}

/** Show spot *id*'s details (not while the new-spot sheet is open: that would lose the form). */
export function openDetail(id) {
  const s = layer.spot(id);
  if (!s) return;
  if (isOpen(sheets.form)) return;  // tapping a marker while marking must not lose the form
  beforeOpen();
  layer.select(id);
  const body = $("#detail-body");
  body.innerHTML = detailHtml(s.feature.properties);
  wireHide(body, id);
  openSheet(sheets.detail);
  const c = s.feature.geometry.coordinates;
  revealAboveSheet(map, [c[1], c[0]]);
}

/** Open the spot the address names (#spot-12), if it is on the map. */
export function openFromHash() {
  const m = /^#spot-(\d+)$/.exec(location.hash);
  if (m && layer.spot(Number(m[1]))) openDetail(Number(m[1]));
}

/**
 * Details open on *leafletMap*; closing them gives the focus to *back*; *prepare()* runs first
 * (main closes the list view there).
 */
export function initDetail(leafletMap, back, prepare) {
  map = leafletMap;
  focusBack = back;
  beforeOpen = prepare;
}
