/* Planner map: keep layer choices and the map view in the URL, switch spot aggregates by zoom,
   and let planners draw focus areas. The page works without this script (plain GET forms). */
(function () {
  "use strict";
  var box = document.querySelector("[data-planner]");
  if (!box) return;
  var cfg = JSON.parse(box.getAttribute("data-planner"));
  var mapEl = document.getElementById(box.getAttribute("data-map-id"));
  var map = mapEl && mapEl.walkappMap;
  if (!map) return;

  function layer(name) { return name ? window[name] : null; }

  function currentUrl() { return new URL(window.location.href); }

  function setParam(key, value) {
    var url = currentUrl();
    if (value === null || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, value);
    window.history.replaceState(null, "", url.toString());
    var share = document.querySelector("[data-planner-share]");
    if (share) share.href = url.pathname + url.search;
    var hidden = document.querySelector(key === "layers" ? "[data-planner-layers]" : "[data-planner-view]");
    if (hidden && (key === "layers" || key === "c")) hidden.value = value || "";
  }

  function shownLayers() {
    var keys = [];
    Object.keys(cfg.layers || {}).forEach(function (key) {
      var l = layer(cfg.layers[key]);
      if (l && map.hasLayer(l)) keys.push(key);
    });
    return keys.sort().join(",");
  }

  // Spots: 1 km cells when zoomed out, 100 m cells from zoom 14.
  var fine = layer(cfg.fine), coarse = layer(cfg.coarse);
  var spotsGroup = layer((cfg.layers || {}).spots);
  function switchSpots() {
    if (!fine || !coarse || !spotsGroup) return;
    var zoomedIn = map.getZoom() >= 14;
    if (zoomedIn) { spotsGroup.removeLayer(coarse); if (!spotsGroup.hasLayer(fine)) spotsGroup.addLayer(fine); }
    else { spotsGroup.removeLayer(fine); if (!spotsGroup.hasLayer(coarse)) spotsGroup.addLayer(coarse); }
  }

  if (cfg.view) map.setView([cfg.view[0], cfg.view[1]], cfg.view[2]);
  switchSpots();
  map.on("zoomend", switchSpots);
  if (cfg.layers && Object.keys(cfg.layers).length && !cfg.draw) {
    map.on("overlayadd overlayremove", function () { setParam("layers", shownLayers()); });
    map.on("moveend", function () {
      var c = map.getCenter();
      setParam("c", c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom());
    });
  }

  // Focus areas: draw a polygon with Leaflet.draw and put its GeoJSON in the form.
  if (cfg.draw && window.L && L.Control && L.Control.Draw) {
    var drawn = new L.FeatureGroup().addTo(map);
    map.addControl(new L.Control.Draw({
      draw: { polyline: false, marker: false, circlemarker: false, circle: false,
              rectangle: { shapeOptions: { color: "#0f766e" } },
              polygon: { allowIntersection: false, shapeOptions: { color: "#0f766e" } } },
      edit: { featureGroup: drawn }
    }));
    var field = document.querySelector("[data-focus-geometry]");
    var status = document.querySelector("[data-focus-status]");
    function store() {
      var feats = drawn.toGeoJSON().features;
      if (field) field.value = feats.length ? JSON.stringify(feats[feats.length - 1].geometry) : "";
      if (status) status.textContent = feats.length ? status.getAttribute("data-done") : status.getAttribute("data-empty");
    }
    map.on(L.Draw.Event.CREATED, function (e) { drawn.clearLayers(); drawn.addLayer(e.layer); store(); });
    map.on(L.Draw.Event.EDITED, store);
    map.on(L.Draw.Event.DELETED, store);
  }
})();
