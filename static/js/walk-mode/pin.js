/* The pin of a new spot: where it is, where its place came from (the phone's GPS, a photo, or
   the user's hand: a tap on the map or a drag), and the line in the sheet that says so. */
import { $ } from "../lib/dom.js";
import { pinIcon } from "../lib/map.js";
import { T, fmt } from "./config.js";
import { clearError } from "./form-errors.js";
import { gpsLevel } from "./gps.js";
import { isOpen, revealAboveSheet, sheets } from "./sheets.js";

/** The pin's marker (null: not placed), its source ("device", "photo", "manual") and accuracy. */
export const pin = { marker: null, source: "device", acc: null };
let map = null;

/** Say in the sheet where the pin is from (or that it must be placed). */
export function describePin() {
  const state = $("#pin-state");
  if (!pin.marker) {
    state.textContent = T.place_pin;
    state.className = "pin-state need";
    return;
  }
  state.textContent = pin.source === "manual" ? T.pin_manual
    : pin.source === "photo" ? T.pin_photo : fmt(T.pin_device, { m: pin.acc });
  state.className = "pin-state " + (pin.source === "device" ? gpsLevel(pin.acc) : "manual");
}

/** Put the pin at *lat*, *lon* from *source* (accuracy *acc* in metres, or null). */
export function placePin(lat, lon, source, acc) {
  if (!pin.marker) {
    pin.marker = L.marker([lat, lon], { icon: pinIcon(), draggable: true, keyboard: false,
                                        zIndexOffset: 1000 }).addTo(map);
    pin.marker.on("dragend", () => {
      pin.source = "manual";
      pin.acc = null;
      describePin();
      clearError("lat");
    });
  } else {
    pin.marker.setLatLng([lat, lon]);
  }
  pin.source = source;
  pin.acc = acc == null ? null : acc;
  describePin();
  clearError("lat");
  const sheet = sheets.form;
  if (sheet.scrollTop > 0 && source === "manual") sheet.scrollTo({ top: 0, behavior: "smooth" });
  revealAboveSheet(map, [lat, lon]);
}

export function removePin() {
  if (pin.marker) { map.removeLayer(pin.marker); pin.marker = null; }
}

/** While the new-spot sheet is open, a tap on *leafletMap* places the pin by hand. */
export function initPin(leafletMap) {
  map = leafletMap;
  map.on("click", (e) => {
    if (isOpen(sheets.form)) placePin(e.latlng.lat, e.latlng.lng, "manual", null);
  });
}
