/* Live updates: ask the server for the walk's spots every cfg.pollSeconds while the page is
   visible, only what changed since the newest one seen, and every tenth time everything (so
   spots the leader hid disappear too). Offline for a moment: the next poll tries again. */
import { cfg } from "./config.js";
import * as layer from "./live-layer.js";

let timer = null;
let polls = 0;
let firstLoad = true;
let afterFirst = () => {};

/** Poll now and then on and on; *onFirstLoad* runs once the first answer is on the map. */
export function startPolling(onFirstLoad) {
  afterFirst = onFirstLoad;
  poll();
}

/** Poll now (and schedule the next one). */
export function poll() {
  clearTimeout(timer);
  const since = layer.since();
  const full = !since || polls % 10 === 0;
  polls += 1;
  const url = cfg.spotsUrl + (full ? "" : "&since=" + encodeURIComponent(since));
  fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin",
               cache: "no-store" })
    .then((r) => (r.ok ? r.json() : Promise.reject(r)))
    .then((fc) => {
      let changed = false;
      const ids = new Set();
      fc.features.forEach((f) => { ids.add(f.id); if (layer.upsert(f)) changed = true; });
      if (full && layer.removeMissing(ids)) changed = true;
      if (changed && !firstLoad) layer.listChanged(); else layer.updateCount();
      if (firstLoad) { firstLoad = false; afterFirst(); }
    })
    .catch(() => { /* offline for a moment: the next poll tries again */ })
    .then(schedule);
}

function schedule() {
  clearTimeout(timer);
  if (document.visibilityState === "visible") timer = setTimeout(poll, cfg.pollSeconds * 1000);
}

/** Stop polling until poll() is called again (the page was hidden). */
export function pause() { clearTimeout(timer); }
