/* Everyone's spots as markers on the map: add or replace a spot's marker when the server sends
   a newer version, drop the ones gone, mark the selected one, and keep the count badge right. */
import { $ } from "../lib/dom.js";
import { cfg } from "./config.js";

const spots = new Map();  // id -> {feature, marker}
let map = null;
let renderer = null;
let onTap = () => {};
let selectedId = null;
let newest = null;  // the newest updated_at seen: polls ask for what changed since

/** Draw markers on *leafletMap* with *svg*; *tap(id)* runs when a marker is tapped. */
export function initLiveLayer(leafletMap, svg, tap) {
  map = leafletMap;
  renderer = svg;
  onTap = tap;
}

/** The {feature, marker} of spot *id*, if it is on the map. */
export function spot(id) { return spots.get(id); }

/** The newest updated_at among the spots seen (null before the first answer). */
export function since() { return newest; }

function markerClass(p) {
  return "spot-marker " + p.kind + (p.own ? " own" : "") + (p.hidden ? " is-hidden" : "") +
    (p.id === selectedId ? " selected" : "");
}

/** Put GeoJSON Feature *f* on the map; return true if anything changed. */
export function upsert(f) {
  const p = f.properties;
  const cur = spots.get(f.id);
  if (cur && cur.feature.properties.version === p.version &&
      cur.feature.properties.hidden === p.hidden &&
      cur.feature.properties.updated_at === p.updated_at) {
    return false;
  }
  if (cur) map.removeLayer(cur.marker);
  if (p.hidden && !cfg.isLeader) { spots.delete(f.id); return true; }
  const c = f.geometry.coordinates;
  const marker = L.circleMarker([c[1], c[0]], {
    radius: p.own ? 11 : 9, renderer, className: markerClass(p), bubblingMouseEvents: false,
  }).addTo(map);
  marker.on("click", () => onTap(f.id));
  spots.set(f.id, { feature: f, marker });
  if (!newest || p.updated_at > newest) newest = p.updated_at;
  return true;
}

/** Drop every spot whose id is not in the Set *ids*; return true if any went. */
export function removeMissing(ids) {
  let changed = false;
  spots.forEach((v, id) => {
    if (!ids.has(id)) { map.removeLayer(v.marker); spots.delete(id); changed = true; }
  });
  return changed;
}

/** Mark spot *id* as the selected one (null: none). */
export function select(id) {
  const old = selectedId;
  selectedId = id;
  [old, id].forEach((x) => {
    const s = x != null && spots.get(x);
    if (s) {
      const el = s.marker.getElement && s.marker.getElement();
      if (el) el.setAttribute("class", markerClass(s.feature.properties) + " leaflet-interactive");
    }
  });
}

/** Show the number of visible spots on the list toggle. */
export function updateCount() {
  let n = 0;
  spots.forEach((v) => { if (!v.feature.properties.hidden) n += 1; });
  $("#spot-count-badge").textContent = n;
}

/** The spots changed: update the count and let htmx reload the list (#spot-list). */
export function listChanged() {
  updateCount();
  if (window.htmx) htmx.trigger(document.body, "spots-changed");
}
