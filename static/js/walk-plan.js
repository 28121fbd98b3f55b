/* Planning map: highlight the chosen area, draw or clear the route (into the hidden field). */
(function () {
  "use strict";
  var me = document.currentScript;
  var mapEl = document.getElementById(me.getAttribute("data-map-id"));
  var map = mapEl && mapEl.walkappMap;
  if (!map) { return; }
  var areas = JSON.parse(document.getElementById("plan-areas").textContent);
  var select = document.getElementById("area_id");
  var routeField = document.getElementById("route");
  var routeState = document.getElementById("route-state");
  var svg = L.svg();

  var highlight = null;
  function showArea() {
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    var id = Number(select.value);
    var f = areas.features.filter(function (x) { return x.id === id; })[0];
    if (!f) { return; }
    highlight = L.geoJSON(f, { renderer: svg, interactive: false,
      style: { color: "#1e3a8a", weight: 4, fillOpacity: 0.18, className: "area-chosen" } }).addTo(map);
    map.fitBounds(highlight.getBounds(), { padding: [20, 20] });
  }
  select.addEventListener("change", showArea);

  var drawn = new L.FeatureGroup().addTo(map);
  function setRoute(layer) {
    drawn.clearLayers();
    if (layer) {
      drawn.addLayer(layer);
      routeField.value = JSON.stringify(layer.toGeoJSON().geometry);
    } else {
      routeField.value = "";
    }
    routeState.textContent = layer ? routeState.getAttribute("data-yes") : routeState.getAttribute("data-no");
  }
  if (routeField.value) {
    try {
      L.geoJSON(JSON.parse(routeField.value), { style: { color: "#7c3aed", weight: 4 } })
        .eachLayer(function (l) { drawn.addLayer(l); });
    } catch (e) { /* an unusable value is reported by the server */ }
  }

  if (L.drawLocal) {
    // leaflet-draw's own texts are English; the page gives them in the user's language.
    var t = JSON.parse(document.getElementById("draw-texts").textContent);
    var d = L.drawLocal;
    d.draw.toolbar.buttons.polyline = t.polyline;
    d.draw.toolbar.actions.text = t.cancel; d.draw.toolbar.actions.title = t.cancel;
    d.draw.toolbar.finish.text = t.finish; d.draw.toolbar.finish.title = t.finish;
    d.draw.toolbar.undo.text = t.undo; d.draw.toolbar.undo.title = t.undo;
    d.draw.handlers.polyline.tooltip = { start: t.start, cont: t.cont, end: t.end };
    d.edit.toolbar.buttons.edit = t.edit; d.edit.toolbar.buttons.remove = t.remove;
    d.edit.toolbar.buttons.editDisabled = t.edit; d.edit.toolbar.buttons.removeDisabled = t.remove;
    d.edit.toolbar.actions.save.text = t.save; d.edit.toolbar.actions.save.title = t.save;
    d.edit.toolbar.actions.cancel.text = t.cancel; d.edit.toolbar.actions.cancel.title = t.cancel;
    d.edit.toolbar.actions.clearAll.text = t.clearAll; d.edit.toolbar.actions.clearAll.title = t.clearAll;
  }
  if (L.Control && L.Control.Draw) {
    var control = new L.Control.Draw({
      position: "topleft",
      draw: { polyline: { shapeOptions: { color: "#7c3aed", weight: 4 } }, polygon: false,
              rectangle: false, circle: false, circlemarker: false, marker: false },
      edit: { featureGroup: drawn, remove: true }
    });
    map.addControl(control);
    map.on(L.Draw.Event.CREATED, function (e) { setRoute(e.layer); });
    map.on(L.Draw.Event.EDITED, function () {
      var l = drawn.getLayers()[0];
      setRoute(l || null);
    });
    map.on(L.Draw.Event.DELETED, function () { setRoute(drawn.getLayers()[0] || null); });
  }
  showArea();
})();
