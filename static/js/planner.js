/* Planner map: keep layer choices and the map view in the URL, switch spot aggregates by zoom,
   and let planners draw focus areas. The page works without this script (plain GET forms). */
import { esc } from "./lib/dom.js";

function initPlanner() {
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

  // Gi* cells and DBSCAN clusters are slow over many spots: the page arrives without them and
  // they are fetched here from /api/hotspots.geojson with the page's own filters.
  // Numbers are written for the page's language ("3,2" in Danish), categories by name.
  var lang = document.documentElement.lang || "da";
  var fmt = {
    z: new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    p: new Intl.NumberFormat(lang, { maximumSignificantDigits: 2 }),
    p4: new Intl.NumberFormat(lang, { minimumFractionDigits: 4, maximumFractionDigits: 4 }),
    pct: new Intl.NumberFormat(lang, { style: "percent" }),
    n: new Intl.NumberFormat(lang)
  };
  var labels = cfg.labels || {};
  function categoryName(code) { return (labels.categories || {})[code] || code; }
  function tip(fields, names, note) {
    return function (f) {
      return "<table>" + fields.map(function (k, i) {
        return "<tr><th>" + esc(names[i]) + "</th><td>" + esc(f.properties[k]) + "</td></tr>";
      }).join("") + (note ? '<tr><td colspan="2" class="tip-note">' + esc(note) + "</td></tr>" : "") +
        "</table>";
    };
  }
  function fillTable(key, rows, extra) {
    var box = document.querySelector('[data-deferred-table="' + key + '"]');
    if (!box) return;
    var wait = box.querySelector("[data-deferred-wait]");
    var wrap = box.querySelector(".table-wrap");
    if (!rows.length) { if (wait) wait.textContent = box.getAttribute("data-empty"); return; }
    box.querySelector("tbody").innerHTML = rows.map(function (r) {
      return "<tr>" + r.map(function (v) { return "<td>" + esc(v) + "</td>"; }).join("") + "</tr>";
    }).join("");
    wrap.hidden = false;
    if (wait) { if (extra) wait.textContent = extra; else wait.remove(); if (extra) box.appendChild(wait); }
  }
  var LEVEL = { 3: fmt.pct.format(0.99), 2: fmt.pct.format(0.95), 1: fmt.pct.format(0.9) };
  var shows = {
    gi: function (fc) {
      var hot = fc.features.filter(function (f) { return f.properties.class_level !== 0; });
      var names = labels.gi_fields || ["cell_id", "count", "z", "p_fdr"];
      var lyr = L.geoJSON({ type: "FeatureCollection", features: hot }, {
        style: function (f) {
          var c = (cfg.colours || {})[f.properties["class"]] || "#888";
          return { color: c, weight: 0.5, fillColor: c, fillOpacity: 0.6 };
        }
      }).bindTooltip(function (l) {
        var p = l.feature.properties;
        // "few" (a cell with very few findings) may be absent: then no note.
        return tip(["cell_id", "count", "z", "p_fdr"], names, p.few ? labels.few : "")({ properties: {
          cell_id: p.cell_id, count: fmt.n.format(p.count), z: fmt.z.format(p.z),
          p_fdr: fmt.p.format(p.p_fdr) } });
      });
      var top = hot.filter(function (f) { return f.properties.class_level > 0; })
        .map(function (f) { return f.properties; })
        .sort(function (a, b) { return b.z - a.z; });
      fillTable("gi", top.slice(0, 50).map(function (p) {
        return [p.cell_id, fmt.n.format(p.count), fmt.z.format(p.z), fmt.p4.format(p.p_fdr),
                LEVEL[p.class_level]];
      }), top.length > 50 ? document.querySelector('[data-deferred-table="gi"]')
        .getAttribute("data-more").replace("__N__", top.length - 50) : "");
      return lyr;
    },
    clusters: function (fc) {
      var names = labels.cluster_fields || ["cluster", "count", "categories", "dark"];
      fc.features.forEach(function (f) {
        var p = f.properties, cc = p.category_counts || {};
        p.categories_text = Object.keys(cc).map(function (c) {
          return categoryName(c) + " (" + fmt.n.format(cc[c]) + ")";
        }).join(", ");
        p.dark_pct = Math.round(100 * p.dark_share);
      });
      fillTable("clusters", fc.features.slice(0, 30).map(function (f) {
        var p = f.properties;
        return [p.cluster, fmt.n.format(p.count), p.categories_text, p.dark_pct];
      }));
      return L.geoJSON(fc, { style: { color: "#111827", weight: 2.5, fillOpacity: 0, dashArray: "6 3" } })
        .bindTooltip(function (l) { return tip(["cluster", "count", "categories_text", "dark_pct"], names)(l.feature); });
    }
  };
  // Progress: a status over the map (aria-live) says what is still being calculated; the
  // map stays usable beneath it, and the tables wait with aria-busy.
  var deferred = cfg.deferred || {};
  var statusEl = document.querySelector("[data-deferred-status]");
  var total = Object.keys(deferred).length, waiting = total, failed = false;
  function said(kind, text) {
    if (!statusEl) return;
    statusEl.setAttribute("data-state", kind === "progress" ? "loading" : kind);
    statusEl.textContent = text || statusEl.getAttribute("data-" + kind);
  }
  function busy(on) {
    document.querySelectorAll("[data-deferred-table]").forEach(function (el) {
      if (on) el.setAttribute("aria-busy", "true"); else el.removeAttribute("aria-busy");
    });
  }
  if (waiting) {
    said("loading");
    busy(true);
    document.querySelectorAll("[data-deferred-wait]").forEach(function (el) {
      if (statusEl) el.textContent = statusEl.getAttribute("data-loading");
    });
  }
  Object.keys(deferred).forEach(function (key) {
    fetch(deferred[key], { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        var lyr = shows[key](fc), group = layer(cfg.layers[key]);
        if (group) group.addLayer(lyr);
        // Keep the drawing order of the synchronous page: cells, outlines, spots, remedies.
        ["gi", "clusters", "spots", "remedies"].forEach(function (k) {
          var g = layer(cfg.layers[k]);
          if (g && g.bringToFront) g.bringToFront();
        });
      })
      .catch(function () { failed = true; })
      .then(function () {
        waiting -= 1;
        if (waiting && statusEl && !failed) {
          said("progress", statusEl.getAttribute("data-progress")
            .replace("__DONE__", fmt.n.format(total - waiting)).replace("__ALL__", fmt.n.format(total)));
        }
        if (!waiting) {
          busy(false);
          said(failed ? "failed" : "done");
          if (failed && statusEl && cfg.sync_url) {
            var a = document.createElement("a");
            a.href = cfg.sync_url; a.textContent = " " + statusEl.getAttribute("data-retry");
            statusEl.appendChild(a);
          }
        }
      });
  });

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
}

initPlanner();
