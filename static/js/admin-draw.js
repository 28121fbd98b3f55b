// Admin area form: draw or edit an area's outline with leaflet-draw; the outline travels to the
// server as GeoJSON in the form's "geometry" field (which can also be pasted by hand).
import { boundsFrom, whenMap } from "./lib/map.js";

function initAreaDraw() {
  var box = document.getElementById("area-draw");
  var field = document.getElementById("f-geometry");
  if (!box || !field || !window.L || !L.Control.Draw) return;

  var OUTLINE = { color: "#b45309", weight: 3, fillOpacity: 0.15 };

  function translate() {
    var t = {};
    try { t = JSON.parse(box.dataset.drawLocal || "{}"); } catch (e) { return; }
    var d = L.drawLocal.draw, ed = L.drawLocal.edit;
    d.toolbar.buttons.polygon = t.polygon;
    d.toolbar.actions = { title: t.cancel, text: t.cancel };
    d.toolbar.finish = { title: t.finish, text: t.finish };
    d.toolbar.undo = { title: t.undo, text: t.undo };
    d.handlers.polygon.tooltip = { start: t.start, cont: t.cont, end: t.end };
    d.handlers.polyline.error = t.intersect;
    ed.toolbar.buttons.edit = t.edit;
    ed.toolbar.buttons.editDisabled = t.edit;
    ed.toolbar.buttons.remove = t.remove;
    ed.toolbar.buttons.removeDisabled = t.remove;
    ed.toolbar.actions.save = { title: t.save, text: t.save };
    ed.toolbar.actions.cancel = { title: t.cancel, text: t.cancel };
    ed.toolbar.actions.clearAll = { title: t.clearAll, text: t.clearAll };
    ed.handlers.edit.tooltip = { text: t.editTip, subtext: "" };
    ed.handlers.remove.tooltip = { text: t.removeTip };
  }

  // Every polygon of a GeoJSON object, as coordinate rings: one editable layer per polygon.
  function polygons(obj) {
    if (!obj) return [];
    switch (obj.type) {
      case "FeatureCollection":
        return obj.features.reduce(function (all, f) { return all.concat(polygons(f)); }, []);
      case "Feature": return polygons(obj.geometry);
      case "Polygon": return [obj.coordinates];
      case "MultiPolygon": return obj.coordinates;
      case "GeometryCollection":
        return obj.geometries.reduce(function (all, g) { return all.concat(polygons(g)); }, []);
      default: return [];
    }
  }

  function init(map) {
    translate();
    var drawn = new L.FeatureGroup().addTo(map);

    function sync() {
      var fc = drawn.toGeoJSON();
      field.value = fc.features.length ? JSON.stringify(fc) : "";
    }

    function load(text) {
      drawn.clearLayers();
      if (!text || !text.trim()) return;
      var obj;
      try { obj = JSON.parse(text); } catch (e) { return; }  // the server names the error
      polygons(obj).forEach(function (rings) {
        drawn.addLayer(L.polygon(L.GeoJSON.coordsToLatLngs(rings, 1), OUTLINE));
      });
    }

    function fit() {
      var bounds = drawn.getLayers().length ? drawn.getBounds() : boundsFrom(box.dataset.bounds);
      if (bounds) map.fitBounds(bounds, { padding: [20, 20], animate: false });
    }

    map.addControl(new L.Control.Draw({
      position: "topright",
      draw: {
        polygon: { allowIntersection: false, showArea: false, shapeOptions: OUTLINE },
        polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false,
      },
      edit: { featureGroup: drawn },
    }));
    map.on(L.Draw.Event.CREATED, function (e) { drawn.addLayer(e.layer); sync(); });
    map.on(L.Draw.Event.EDITED, sync);
    map.on(L.Draw.Event.DELETED, sync);
    field.addEventListener("change", function () { load(field.value); fit(); });
    load(field.value);
    fit();
  }

  whenMap(box.querySelector(".folium-map"), init);
}

initAreaDraw();
