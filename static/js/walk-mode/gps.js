/* The phone's position: watch it, draw the dot and its accuracy circle, say how good the fix
   is, and keep the map on the user while "follow" is on (a drag turns it off, ◎ back on). */
import { $ } from "../lib/dom.js";
import { cfg, T, fmt } from "./config.js";

/** The latest fix ({lat, lon, acc} or null), the last error, and whether the map follows. */
export const me = { fix: null, error: null, follow: true, dot: null, circle: null,
                    centred: false };

let map = null;
let renderer = null;

/** "ok", "weak" or "bad" for an accuracy in metres (cfg's limits), "none" without one. */
export function gpsLevel(acc) {
  if (acc == null) return "none";
  if (acc > cfg.maxAccuracy) return "bad";
  if (acc > cfg.warnAccuracy) return "weak";
  return "ok";
}

function renderGps() {
  const status = $("#gps-status");
  const fix = me.fix;
  const level = fix ? gpsLevel(fix.acc) : (me.error ? "none" : "locating");
  status.textContent = {
    locating: T.locating,
    none: T.gps_none,
    ok: fix && fmt(T.gps_ok, { m: fix.acc }),
    weak: fix && fmt(T.gps_weak, { m: fix.acc }),
    bad: fix && fmt(T.gps_bad, { m: fix.acc }),
  }[level];
  status.className = "wm-gps gps-" + level;
}

function drawFix(fix) {
  const ll = [fix.lat, fix.lon];
  if (!me.circle) {
    me.circle = L.circle(ll, { radius: fix.acc, renderer, className: "me-accuracy",
                               interactive: false }).addTo(map);
    me.dot = L.circleMarker(ll, { radius: 8, renderer, className: "me-dot",
                                  interactive: false }).addTo(map);
  } else {
    me.circle.setLatLng(ll).setRadius(fix.acc);
    me.dot.setLatLng(ll);
  }
  const path = me.circle.getElement && me.circle.getElement();
  if (path) path.classList.toggle("weak", gpsLevel(fix.acc) !== "ok");
}

/** Stop following the user (the map was dragged, or a spot was chosen from the list). */
export function stopFollowing() {
  me.follow = false;
  const btn = $("#locate-btn");
  if (btn) btn.setAttribute("aria-pressed", "false");
}

/** Pan back to the user if the map follows them. */
export function returnToUser() {
  if (me.follow && me.fix) map.panTo([me.fix.lat, me.fix.lon], { animate: true });
}

/**
 * Watch the position on *map* (drawing with *svg*). hooks.mayFollow() says whether the map may
 * move to the user now; hooks.onFix(fix) hears of every new fix.
 */
export function startGps(leafletMap, svg, hooks) {
  map = leafletMap;
  renderer = svg;
  function onFix(pos) {
    const c = pos.coords;
    me.error = null;
    me.fix = { lat: c.latitude, lon: c.longitude, acc: Math.max(1, Math.round(c.accuracy || 0)) };
    const ll = [me.fix.lat, me.fix.lon];
    drawFix(me.fix);
    if (me.follow && hooks.mayFollow()) {
      if (!me.centred) { map.setView(ll, Math.max(map.getZoom(), 17)); me.centred = true; }
      else map.panTo(ll, { animate: true });
    }
    hooks.onFix(me.fix);
    renderGps();
  }
  function onError(err) {
    me.error = err;
    if (!me.fix) renderGps();
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onFix, onError,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    me.error = { code: 0 };
    renderGps();
  }

  map.on("dragstart", stopFollowing);
  const locateBtn = $("#locate-btn");
  if (locateBtn) {
    locateBtn.addEventListener("click", () => {
      me.follow = true;
      locateBtn.setAttribute("aria-pressed", "true");
      if (me.fix) map.setView([me.fix.lat, me.fix.lon], Math.max(map.getZoom(), 17));
    });
  }
}
