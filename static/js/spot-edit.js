/* Edit a spot: a draggable pin writes lat/lon; moving it makes the location "manual". */
import { ownScript } from "./lib/dom.js";
import { pinIcon } from "./lib/map.js";

function initSpotEdit() {
  var me = ownScript(import.meta.url);
  var mapEl = document.getElementById(me.getAttribute("data-map-id"));
  var map = mapEl && mapEl.walkappMap;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var source = document.getElementById("location_source");
  if (!map || !lat.value || !lon.value) { return; }
  var marker = L.marker([Number(lat.value), Number(lon.value)], { icon: pinIcon(), draggable: true }).addTo(map);
  function moved(ll) {
    lat.value = ll.lat.toFixed(7);
    lon.value = ll.lng.toFixed(7);
    source.value = "manual";
  }
  marker.on("dragend", function () { moved(marker.getLatLng()); });
  map.on("click", function (e) { marker.setLatLng(e.latlng); moved(e.latlng); });
  map.setView(marker.getLatLng(), 18);
}

initSpotEdit();
