/* Walk mode: follow the phone's position, mark spots in a bottom sheet, see everyone's spots live.
   Texts and URLs come from the page (#walk-mode-config); the map is folium's, found by its id. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("walk-mode-config").textContent);
  var T = cfg.t;
  var mapEl = document.getElementById(cfg.mapId);
  var map = mapEl && mapEl.walkappMap;
  if (!map) { return; }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  var root = $("#walk-mode");
  var sheet = $("#spot-sheet");
  var form = $("#spot-form");
  var detail = $("#spot-detail");
  var panel = $("#spot-panel");
  var toggle = $("#view-toggle");
  var gpsStatus = $("#gps-status");
  var toast = $("#wm-toast");
  var saveBtn = $("#save-spot");
  var pinState = $("#pin-state");
  var markBtn = $("#mark-here");
  var locateBtn = $("#locate-btn");

  document.documentElement.classList.add("js");

  function fmt(s, params) {
    return String(s).replace(/%\((\w+)\)s/g, function (_m, k) { return params[k]; });
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function urlFor(template, id) { return template.replace(/\/0(\/|$)/, "/" + id + "$1"); }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    // randomUUID needs a secure context; phones on plain http on a LAN still get a v4 UUID.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var toastTimer = null;
  function showToast(text, ms) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    if (ms) { toastTimer = setTimeout(function () { toast.hidden = true; }, ms); }
  }

  /* ---------- Position ---------- */

  var me = { fix: null, follow: true, dot: null, circle: null, centred: false };
  var svg = L.svg({ padding: 0.5 });

  function gpsLevel(acc) {
    if (acc == null) { return "none"; }
    if (acc > cfg.maxAccuracy) { return "bad"; }
    if (acc > cfg.warnAccuracy) { return "weak"; }
    return "ok";
  }

  function renderGps() {
    var fix = me.fix;
    var level = fix ? gpsLevel(fix.acc) : (me.error ? "none" : "locating");
    var text = {
      locating: T.locating,
      none: T.gps_none,
      ok: fix && fmt(T.gps_ok, { m: fix.acc }),
      weak: fix && fmt(T.gps_weak, { m: fix.acc }),
      bad: fix && fmt(T.gps_bad, { m: fix.acc })
    }[level];
    gpsStatus.textContent = text;
    gpsStatus.className = "wm-gps gps-" + level;
  }

  function onFix(pos) {
    var c = pos.coords;
    me.error = null;
    me.fix = { lat: c.latitude, lon: c.longitude, acc: Math.max(1, Math.round(c.accuracy || 0)) };
    var ll = [me.fix.lat, me.fix.lon];
    var weak = gpsLevel(me.fix.acc) !== "ok";
    if (!me.circle) {
      me.circle = L.circle(ll, { radius: me.fix.acc, renderer: svg, className: "me-accuracy", interactive: false }).addTo(map);
      me.dot = L.circleMarker(ll, { radius: 8, renderer: svg, className: "me-dot", interactive: false }).addTo(map);
    } else {
      me.circle.setLatLng(ll).setRadius(me.fix.acc);
      me.dot.setLatLng(ll);
    }
    var path = me.circle.getElement && me.circle.getElement();
    if (path) { path.classList.toggle("weak", weak); }
    if (me.follow && !isOpen(sheet)) {
      if (!me.centred) { map.setView(ll, Math.max(map.getZoom(), 17)); me.centred = true; }
      else { map.panTo(ll, { animate: true }); }
    }
    // A sheet opened without a usable fix gets the pin as soon as a good enough one arrives.
    if (isOpen(sheet) && !pin.marker && gpsLevel(me.fix.acc) !== "bad") {
      placePin(me.fix.lat, me.fix.lon, "device", me.fix.acc);
    }
    renderGps();
  }

  function onGeoError(err) {
    me.error = err;
    if (!me.fix) { renderGps(); }
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onFix, onGeoError,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    me.error = { code: 0 };
    renderGps();
  }

  map.on("dragstart", function () {
    me.follow = false;
    if (locateBtn) { locateBtn.setAttribute("aria-pressed", "false"); }
  });
  if (locateBtn) {
    locateBtn.addEventListener("click", function () {
      me.follow = true;
      locateBtn.setAttribute("aria-pressed", "true");
      if (me.fix) { map.setView([me.fix.lat, me.fix.lon], Math.max(map.getZoom(), 17)); }
    });
  }

  // Keep the screen on during the walk where the browser allows it.
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }
  keepAwake();

  /* ---------- Spots on the map ---------- */

  var spots = new Map();   // id -> {feature, marker}
  var since = null;
  var selectedId = null;

  function markerClass(p) {
    return "spot-marker " + p.kind + (p.own ? " own" : "") + (p.hidden ? " is-hidden" : "") +
      (p.id === selectedId ? " selected" : "");
  }

  function upsert(f) {
    var p = f.properties;
    var cur = spots.get(f.id);
    if (cur && cur.feature.properties.version === p.version &&
        cur.feature.properties.hidden === p.hidden && cur.feature.properties.updated_at === p.updated_at) {
      return false;
    }
    if (cur) { map.removeLayer(cur.marker); }
    if (p.hidden && !cfg.isLeader) { spots.delete(f.id); return true; }
    var c = f.geometry.coordinates;
    var marker = L.circleMarker([c[1], c[0]], {
      radius: p.own ? 11 : 9, renderer: svg, className: markerClass(p), bubblingMouseEvents: false
    }).addTo(map);
    marker.on("click", function () { openDetail(f.id); });
    spots.set(f.id, { feature: f, marker: marker });
    if (!since || p.updated_at > since) { since = p.updated_at; }
    return true;
  }

  function removeMissing(ids) {
    var changed = false;
    spots.forEach(function (v, id) {
      if (!ids.has(id)) { map.removeLayer(v.marker); spots.delete(id); changed = true; }
    });
    return changed;
  }

  function updateCount() {
    var n = 0;
    spots.forEach(function (v) { if (!v.feature.properties.hidden) { n += 1; } });
    $("#spot-count-badge").textContent = n;
  }

  function listChanged() {
    updateCount();
    if (window.htmx) { htmx.trigger(document.body, "spots-changed"); }
  }

  var pollTimer = null;
  var polls = 0;
  var firstLoad = true;
  function poll() {
    clearTimeout(pollTimer);
    // Every tenth poll asks for everything, so spots hidden by the leader disappear too.
    var full = !since || polls % 10 === 0;
    polls += 1;
    var url = cfg.spotsUrl + (full ? "" : "&since=" + encodeURIComponent(since));
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (fc) {
        var changed = false;
        var ids = new Set();
        fc.features.forEach(function (f) { ids.add(f.id); if (upsert(f)) { changed = true; } });
        if (full && removeMissing(ids)) { changed = true; }
        if (changed && !firstLoad) { listChanged(); } else { updateCount(); }
        if (firstLoad) { firstLoad = false; openFromHash(); }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(schedule);
  }
  function schedule() {
    clearTimeout(pollTimer);
    if (document.visibilityState === "visible") { pollTimer = setTimeout(poll, cfg.pollSeconds * 1000); }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { keepAwake(); poll(); } else { clearTimeout(pollTimer); }
  });
  poll();

  /* ---------- Sheets ---------- */

  function isOpen(el) { return el && !el.hidden; }

  function openPanelSheet(el) {
    el.hidden = false;
    root.classList.add("sheet-open");
    var h = el.querySelector("h2");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus({ preventScroll: true }); }
  }
  function closeSheet(el, returnFocus) {
    if (!el || el.hidden) { return; }
    el.hidden = true;
    if (!isOpen(sheet) && !isOpen(detail)) { root.classList.remove("sheet-open"); }
    if (el === sheet) { removePin(); }
    if (el === detail) { select(null); }
    // The map was panned to keep the pin above the sheet; when following, go back to the user.
    if (me.follow && me.fix && !isOpen(sheet) && !isOpen(detail)) {
      map.panTo([me.fix.lat, me.fix.lon], { animate: true });
    }
    if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
  }
  $$("[data-close]").forEach(function (b) {
    b.addEventListener("click", function () { closeSheet(b.closest(".sheet"), markBtn); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { closeSheet(detail, markBtn); closeSheet(sheet, markBtn); }
  });

  // Keep a point visible above the open sheet (the sheet covers the lower part of the map).
  function revealAboveSheet(ll) {
    var open = isOpen(sheet) ? sheet : (isOpen(detail) ? detail : null);
    var size = map.getSize();
    // offsetTop ignores the sheet's slide-in transform, so this is where it will come to rest.
    var bottom = open ? open.offsetTop - $("#wm-map").offsetTop : size.y;
    var targetY = Math.max(60, bottom / 2);
    var p = map.latLngToContainerPoint(ll);
    map.panBy([p.x - size.x / 2, p.y - targetY], { animate: true });
  }

  /* ---------- The pin of a new spot ---------- */

  var pin = { marker: null, source: "device", acc: null };
  var pinIcon = L.divIcon({ className: "pin-icon", html: "<span></span>", iconSize: [36, 48], iconAnchor: [18, 46] });

  function describePin() {
    if (!pin.marker) {
      pinState.textContent = T.place_pin;
      pinState.className = "pin-state need";
      return;
    }
    pinState.textContent = pin.source === "manual" ? T.pin_manual
      : pin.source === "photo" ? T.pin_photo : fmt(T.pin_device, { m: pin.acc });
    pinState.className = "pin-state " + (pin.source === "device" ? gpsLevel(pin.acc) : "manual");
  }

  function placePin(lat, lon, source, acc) {
    if (!pin.marker) {
      pin.marker = L.marker([lat, lon], { icon: pinIcon, draggable: true, keyboard: false, zIndexOffset: 1000 }).addTo(map);
      pin.marker.on("dragend", function () { pin.source = "manual"; pin.acc = null; describePin(); clearError("lat"); });
    } else {
      pin.marker.setLatLng([lat, lon]);
    }
    pin.source = source;
    pin.acc = acc == null ? null : acc;
    describePin();
    clearError("lat");
    if (sheet.scrollTop > 0 && source === "manual") { sheet.scrollTo({ top: 0, behavior: "smooth" }); }
    revealAboveSheet([lat, lon]);
  }
  function removePin() {
    if (pin.marker) { map.removeLayer(pin.marker); pin.marker = null; }
  }

  map.on("click", function (e) {
    if (isOpen(sheet)) { placePin(e.latlng.lat, e.latlng.lng, "manual", null); }
  });

  /* ---------- The new-spot form ---------- */

  var photos = [];
  var previews = $("#photo-previews");

  function renderPreviews() {
    previews.innerHTML = "";
    photos.forEach(function (file, i) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.alt = T.photo_alt;
      img.src = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(img.src); };
      var rm = document.createElement("button");
      rm.type = "button";
      rm.className = "icon remove-photo";
      rm.setAttribute("aria-label", T.remove_photo + " " + (i + 1));
      rm.innerHTML = '<span aria-hidden="true">✕</span>';
      rm.addEventListener("click", function () { photos.splice(i, 1); renderPreviews(); });
      li.appendChild(img);
      li.appendChild(rm);
      previews.appendChild(li);
    });
  }
  // Photos are shrunk on the phone (photo-prep.js) before upload; their GPS and time go along
  // as photo_lat/photo_lon/photo_taken_at, and a photo's position is used when the phone has
  // none or a worse one (pin not placed by hand).
  var photoMeta = null, prepping = Promise.resolve();
  function addPhoto(f) {
    if (!window.walkappPhotoPrep) { photos.push(f); renderPreviews(); return Promise.resolve(); }
    return window.walkappPhotoPrep.prepare(f).then(function (p) {
      photos.push(p.blob instanceof File ? p.blob : new File([p.blob], p.name, { type: "image/jpeg" }));
      if (p.lat != null && !photoMeta) {
        photoMeta = p;
        if (isOpen(sheet) && (!pin.marker || (pin.source === "device" && gpsLevel(pin.acc) !== "ok"))) {
          placePin(p.lat, p.lon, "photo", null);
        }
      } else if (p.takenAt && !photoMeta) { photoMeta = { takenAt: p.takenAt }; }
      renderPreviews();
    });
  }
  ["#photo-camera", "#photo-files"].forEach(function (sel) {
    var input = $(sel);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = "";
      clearError("photo");
      prepping = Promise.all([prepping].concat(files.map(addPhoto)));
    });
  });

  function errorSlot(field) {
    var slots = $$("[data-error-for]", form);
    for (var i = 0; i < slots.length; i++) {
      if (slots[i].getAttribute("data-error-for").split(" ").indexOf(field) >= 0) { return slots[i]; }
    }
    return $('[data-error-for~="_form"]', form);
  }
  function clearErrors() {
    $$("[data-error-for]", form).forEach(function (el) { el.textContent = ""; });
    $$("[aria-invalid]", form).forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function clearError(field) { var s = errorSlot(field); if (s) { s.textContent = ""; } }
  function showError(field, message) {
    var slot = errorSlot(field || "_form");
    slot.textContent = message;
    $$('[name="' + field + '"]', form).forEach(function (el) { el.setAttribute("aria-invalid", "true"); });
    slot.scrollIntoView({ block: "center", behavior: "smooth" });
    var details = slot.closest("details");
    if (details) { details.open = true; }
  }

  function openSheet() {
    closeSheet(detail);
    form.reset();
    clearErrors();
    photos = [];
    photoMeta = null;
    renderPreviews();
    form.elements.client_uuid.value = uuid4();
    saving = false;
    saveBtn.disabled = false;
    saveBtn.textContent = saveBtn.getAttribute("data-label") || saveBtn.textContent;
    openPanelSheet(sheet);
    if (me.fix && gpsLevel(me.fix.acc) !== "bad") {
      placePin(me.fix.lat, me.fix.lon, "device", me.fix.acc);
    } else {
      // A fix worse than the limit is never used silently: the user places the pin.
      removePin();
      describePin();
    }
  }
  if (markBtn) { markBtn.addEventListener("click", openSheet); }
  saveBtn.setAttribute("data-label", saveBtn.textContent);

  var saving = false;
  function setSaving(on, label) {
    saving = on;
    saveBtn.disabled = on;
    saveBtn.textContent = on ? (label || T.saving) : saveBtn.getAttribute("data-label");
  }

  function send(fd, attempt, uuidAtStart) {
    fetch(cfg.createUrl, {
      method: "POST", body: fd, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" }
    }).then(function (resp) {
      if (resp.status >= 500 || resp.status === 408 || resp.status === 429) { throw new Error("retry"); }
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (resp.status === 200 || resp.status === 201) { saved(body); return; }
        setSaving(false);
        showError(body.field || "_form", body.error || T.error);
      });
    }).catch(function () {
      // Network trouble: try again with the same client_uuid, so the server never duplicates.
      if (form.elements.client_uuid.value !== uuidAtStart || !isOpen(sheet)) { return; }
      var wait = Math.min(30, 2 * Math.pow(2, attempt));
      setSaving(true, fmt(T.retrying, { s: wait }));
      setTimeout(function () { send(fd, attempt + 1, uuidAtStart); }, wait * 1000);
    });
  }

  function saved(feature) {
    setSaving(false);
    upsert(feature);
    listChanged();
    closeSheet(sheet, markBtn);
    showToast(T.saved, 2500);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (saving) { return; }
    clearErrors();
    if (!pin.marker) { showError("lat", T.need_pin); return; }
    var ll = pin.marker.getLatLng();
    form.elements.lat.value = ll.lat.toFixed(7);
    form.elements.lon.value = ll.lng.toFixed(7);
    form.elements.accuracy_m.value = pin.source === "manual" || pin.acc == null ? "" : pin.acc;
    form.elements.location_source.value = pin.source;
    setSaving(true);
    prepping.then(function () {
      var fd = new FormData(form);
      photos.forEach(function (f) { fd.append("photo", f, f.name || "photo.jpg"); });
      if (photoMeta && photoMeta.lat != null) { fd.append("photo_lat", photoMeta.lat); fd.append("photo_lon", photoMeta.lon); }
      if (photoMeta && photoMeta.takenAt) { fd.append("photo_taken_at", photoMeta.takenAt); }
      send(fd, 0, form.elements.client_uuid.value);
    });
  });

  /* ---------- Spot details ---------- */

  function select(id) {
    var old = selectedId;
    selectedId = id;
    [old, id].forEach(function (x) {
      var s = x != null && spots.get(x);
      if (s) {
        var el = s.marker.getElement && s.marker.getElement();
        if (el) { el.setAttribute("class", markerClass(s.feature.properties) + " leaflet-interactive"); }
      }
    });
  }

  function timeOf(iso) {
    try {
      return new Date(iso).toLocaleTimeString(document.documentElement.lang || "da",
        { hour: "2-digit", minute: "2-digit", timeZone: cfg.timeZone });
    } catch (e) { return ""; }
  }

  function detailHtml(p) {
    var badges = '<span class="badge ' + p.kind + '">' + esc(T[p.kind]) + "</span>" +
      (p.own ? ' <span class="badge own">' + esc(T.own) + "</span>" : "") +
      (p.hidden ? ' <span class="badge hidden">' + esc(T.hidden) + "</span>" : "");
    var cats = (p.categories || []).map(function (c) { return esc(cfg.categories[c] || c); }).join(", ");
    var html = '<p class="row">' + badges + "</p>";
    if (cats) { html += '<p class="cats">' + cats + "</p>"; }
    if (p.feeling) { html += '<p class="meta">' + esc(T.feeling) + ": " + p.feeling + "/5</p>"; }
    if (p.note) { html += '<p class="note">' + esc(p.note) + "</p>"; }
    html += '<p class="meta">' + (p.participant_role ? esc(T.by) + " " + esc(T["role_" + p.participant_role] || p.participant_role) + " · " : "") +
      esc(timeOf(p.observed_at)) + "</p>";
    if (p.photos && p.photos.length) {
      html += '<ul class="detail-photos">' + p.photos.map(function (ph) {
        return '<li><a href="' + esc(ph.display) + '" target="_blank" rel="noopener"><img src="' + esc(ph.thumb) +
          '" alt="' + esc(T.photo_alt) + '" loading="lazy"></a></li>';
      }).join("") + "</ul>";
    }
    var actions = "";
    if (cfg.isLeader || (p.own && !cfg.ended)) {
      actions += '<a class="button" href="' + esc(urlFor(cfg.editUrl, p.id)) + '">' + esc(T.edit) + "</a>";
    }
    if (cfg.isLeader) {
      actions += '<button type="button" class="danger" data-hide="' + (p.hidden ? "0" : "1") + '">' +
        esc(p.hidden ? T.unhide : T.hide) + "</button>";
    }
    if (actions) { html += '<div class="row detail-actions">' + actions + "</div>"; }
    return html;
  }

  function openDetail(id) {
    var s = spots.get(id);
    if (!s) { return; }
    if (isOpen(sheet)) { return; }  // tapping a marker while marking must not lose the form
    if (root.classList.contains("list-open")) { setListOpen(false); }
    select(id);
    var body = $("#detail-body");
    body.innerHTML = detailHtml(s.feature.properties);
    var hideBtn = body.querySelector("[data-hide]");
    if (hideBtn) {
      hideBtn.addEventListener("click", function () {
        var fd = new FormData();
        fd.append("hidden", hideBtn.getAttribute("data-hide"));
        hideBtn.disabled = true;
        fetch(urlFor(cfg.hideUrl, id), { method: "POST", body: fd, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
          .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
          .then(function (res) {
            if (!res.ok) { showToast(res.body.error || T.error, 4000); hideBtn.disabled = false; return; }
            upsert(res.body);
            listChanged();
            closeSheet(detail, markBtn);
          })
          .catch(function () { showToast(T.error, 4000); hideBtn.disabled = false; });
      });
    }
    openPanelSheet(detail);
    var c = s.feature.geometry.coordinates;
    revealAboveSheet([c[1], c[0]]);
  }

  function openFromHash() {
    var m = /^#spot-(\d+)$/.exec(location.hash);
    if (m && spots.get(Number(m[1]))) { openDetail(Number(m[1])); }
  }

  /* ---------- The list view ---------- */

  function setListOpen(open) {
    panel.hidden = !open;
    root.classList.toggle("list-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      closeSheet(detail);
      var h = $("#spot-panel-heading");
      h.setAttribute("tabindex", "-1");
      h.focus({ preventScroll: true });
    } else {
      setTimeout(function () { map.invalidateSize(); }, 0);
    }
  }
  setListOpen(false);
  toggle.addEventListener("click", function () { setListOpen(panel.hidden); });
  panel.addEventListener("click", function (e) {
    var b = e.target.closest("[data-show-spot]");
    if (!b) { return; }
    var id = Number(b.getAttribute("data-show-spot"));
    setListOpen(false);
    me.follow = false;
    if (locateBtn) { locateBtn.setAttribute("aria-pressed", "false"); }
    openDetail(id);
  });
})();
