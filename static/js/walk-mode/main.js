/* Walk mode: follow the phone's position, mark spots in a bottom sheet, see everyone's spots
   live. This module only wires the parts together; each has its own module:
     config.js      the page's settings and texts (#walk-mode-config)
     gps.js         position, accuracy and "follow me";   wake-lock.js  the screen stays on
     live-layer.js  the spots' markers;                   poll.js       live updates
     sheets.js      the bottom sheets;                    list-view.js  map or list
     spot-form.js   the new-spot sheet, with pin.js, photos.js and form-errors.js
     send.js        every write to the server (new spot with retry, hide)
     detail.js      a spot's details;                     toast.js      short messages
   The map is folium's, found by the id in the config. */
import { $ } from "../lib/dom.js";
import { cfg } from "./config.js";
import { openDetail, openFromHash, initDetail } from "./detail.js";
import { returnToUser, startGps, stopFollowing } from "./gps.js";
import * as layer from "./live-layer.js";
import { initListView, listOpen, setListOpen } from "./list-view.js";
import { initFormErrors } from "./form-errors.js";
import { initPhotos } from "./photos.js";
import { initPin, removePin } from "./pin.js";
import { pause, poll, startPolling } from "./poll.js";
import { initSheets, isOpen, sheets } from "./sheets.js";
import { initSpotForm, offerFix, offerPhotoPosition, openSpotForm } from "./spot-form.js";
import { keepAwake } from "./wake-lock.js";

const mapEl = document.getElementById(cfg.mapId);
const map = mapEl && mapEl.walkappMap;
if (map) start(map);

function start(map) {
  const markBtn = $("#mark-here");  // absent once the walk has ended (for all but the leader)
  const svg = L.svg({ padding: 0.5 });
  document.documentElement.classList.add("js");

  initSheets(markBtn, { form: removePin, detail: () => layer.select(null) }, returnToUser);
  startGps(map, svg, { mayFollow: () => !isOpen(sheets.form), onFix: offerFix });
  keepAwake();

  layer.initLiveLayer(map, svg, openDetail);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { keepAwake(); poll(); } else pause();
  });
  startPolling(openFromHash);

  initFormErrors($("#spot-form"));
  initPin(map);
  initPhotos(offerPhotoPosition);
  if (markBtn) markBtn.addEventListener("click", openSpotForm);
  initSpotForm(markBtn);

  initDetail(map, markBtn, () => { if (listOpen()) setListOpen(false); });
  initListView(map, (id) => { stopFollowing(); openDetail(id); });
}
