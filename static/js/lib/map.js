/* Leaflet helpers shared by the map pages: the map a folium figure made, the spot pin's icon,
   and the "west,south,east,north" bounds pages put in data attributes. */

/**
 * Call *init* with the Leaflet map of the folium figure *el* (maps/builder.py stores it as
 * el.walkappMap and fires "walkapp:map-ready"): now if it exists, else when it is ready.
 */
export function whenMap(el, init) {
  if (!el) return;
  if (el.walkappMap) { init(el.walkappMap); return; }
  document.addEventListener("walkapp:map-ready", (e) => {
    if (e.detail.id === el.id) init(el.walkappMap);
  });
}

/** The draggable pin that marks a spot's place (styled by .pin-icon in the CSS). */
export function pinIcon() {
  return L.divIcon({ className: "pin-icon", html: "<span></span>", iconSize: [36, 48],
                     iconAnchor: [18, 46] });
}

/** L.LatLngBounds from "west,south,east,north", or null when the text is not four numbers. */
export function boundsFrom(text) {
  const b = (text || "").split(",").map(Number);
  return b.length === 4 && b.every(isFinite) ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : null;
}
