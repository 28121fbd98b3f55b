/* The new-spot sheet: open it with a fresh form (and the pin at the phone's position when the
   fix is good enough), check the pin on submit, send, and close it once the spot is saved. */
import { $ } from "../lib/dom.js";
import { uuid4 } from "../lib/uuid.js";
import { T, fmt } from "./config.js";
import { clearErrors, showError } from "./form-errors.js";
import { gpsLevel, me } from "./gps.js";
import * as layer from "./live-layer.js";
import { appendPhotos, photosReady, resetPhotos } from "./photos.js";
import { describePin, pin, placePin, removePin } from "./pin.js";
import { checkNote, sendSpot } from "./send.js";
import { closeSheet, isOpen, openSheet, sheets } from "./sheets.js";
import { showToast } from "./toast.js";

let form = null;
let saveBtn = null;
let saving = false;
// The note the participant chose to save despite the privacy warning ("Gem alligevel").
let confirmedNote = null;
let warningBox = null;

function setSaving(on, label) {
  saving = on;
  saveBtn.disabled = on;
  saveBtn.textContent = on ? (label || T.saving) : saveBtn.getAttribute("data-label");
}

/** Open the sheet for a new spot. */
export function openSpotForm() {
  closeSheet(sheets.detail);
  form.reset();
  clearErrors();
  resetPhotos();
  form.elements.client_uuid.value = uuid4();
  hideNoteWarning();
  confirmedNote = null;
  saving = false;
  saveBtn.disabled = false;
  saveBtn.textContent = saveBtn.getAttribute("data-label") || saveBtn.textContent;
  openSheet(sheets.form);
  if (me.fix && gpsLevel(me.fix.acc) !== "bad") {
    placePin(me.fix.lat, me.fix.lon, "device", me.fix.acc);
  } else {
    // A fix worse than the limit is never used silently: the user places the pin.
    removePin();
    describePin();
  }
}

/** A new fix while the sheet is open and has no pin: use it if it is good enough. */
export function offerFix(fix) {
  if (isOpen(sheets.form) && !pin.marker && gpsLevel(fix.acc) !== "bad") {
    placePin(fix.lat, fix.lon, "device", fix.acc);
  }
}

/** A photo with a position: it places the pin unless the pin has a better place already. */
export function offerPhotoPosition(p) {
  if (isOpen(sheets.form) &&
      (!pin.marker || (pin.source === "device" && gpsLevel(pin.acc) !== "ok"))) {
    placePin(p.lat, p.lon, "photo", null);
  }
}

function saved(feature, focusBack) {
  setSaving(false);
  layer.upsert(feature);
  layer.listChanged();
  closeSheet(sheets.form, focusBack);
  showToast(T.saved, 2500);
}

function hideNoteWarning() {
  warningBox.hidden = true;
}

/** Show the server's privacy *warning* above "Gem alligevel" / "Ret noten". */
function showNoteWarning(warning) {
  warningBox.querySelector(".note-warning-text").textContent = warning.message;
  const list = warningBox.querySelector(".note-warning-findings");
  list.replaceChildren(...warning.findings.map((f) => {
    const li = document.createElement("li");
    li.textContent = "“" + f.text + "”: " + f.label;
    return li;
  }));
  warningBox.hidden = false;
  $("#note-save-anyway").focus();
}

/** Check the note first (unless confirmed as it is): resolve true to send, false to stop. */
function noteChecked() {
  const note = form.elements.note.value;
  if (confirmedNote === note) return Promise.resolve(true);
  return checkNote(note).then((warning) => {
    if (!warning) return true;
    setSaving(false);
    showNoteWarning(warning);
    return false;
  });
}

function submit(focusBack) {
  if (saving) return;
  clearErrors();
  if (!pin.marker) { showError("lat", T.need_pin); return; }
  const ll = pin.marker.getLatLng();
  form.elements.lat.value = ll.lat.toFixed(7);
  form.elements.lon.value = ll.lng.toFixed(7);
  form.elements.accuracy_m.value = pin.source === "manual" || pin.acc == null ? "" : pin.acc;
  form.elements.location_source.value = pin.source;
  setSaving(true);
  hideNoteWarning();
  Promise.all([photosReady(), noteChecked()]).then(([, send]) => {
    if (!send) return;
    const fd = new FormData(form);
    appendPhotos(fd);
    const uuid = form.elements.client_uuid.value;
    sendSpot(fd, {
      saved: (feature) => saved(feature, focusBack),
      refused: (body) => { setSaving(false); showError(body.field || "_form", body.error || T.error); },
      retrying: (s) => setSaving(true, fmt(T.retrying, { s })),
      // Only while this very spot is still being added (not closed, not a newer one).
      wanted: () => form.elements.client_uuid.value === uuid && isOpen(sheets.form),
    });
  });
}

/** Wire the form; after saving, the focus goes to *focusBack* (the "Mark here" button). */
export function initSpotForm(focusBack) {
  form = $("#spot-form");
  saveBtn = $("#save-spot");
  saveBtn.setAttribute("data-label", saveBtn.textContent);
  form.addEventListener("submit", (e) => { e.preventDefault(); submit(focusBack); });
  warningBox = $("#note-warning");
  $("#note-save-anyway").addEventListener("click", () => {
    confirmedNote = form.elements.note.value;
    submit(focusBack);
  });
  $("#note-fix").addEventListener("click", () => {
    hideNoteWarning();
    form.elements.note.focus();
  });
  form.elements.note.addEventListener("input", () => { confirmedNote = null; });
}
