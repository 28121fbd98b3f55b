// The spot overview: draw the filtered spots on the map, open their details in the side
// panel, and keep the map in step with the results list that htmx swaps.
import { boundsFrom, whenMap } from "./lib/map.js";

function initOverview() {

  var root = document.getElementById("overview");
  var box = document.getElementById("overview-map");
  if (!root || !box) return;

  var panel = document.getElementById("spot-panel");
  var status = document.getElementById("overview-status");
  var COLORS = { utryg: "#c2410c", tryg: "#15803d" };
  var map = null;
  var layer = null;
  var markers = {};
  var selected = null;
  var firstLoad = true;
  var pending = null;
  var lastFocus = null;

  // The map lives outside the swapped fragment; a history snapshot would hold a dead copy
  // of it, so going back reloads the page from the server instead (the URL holds the state).
  if (window.htmx) {
    htmx.config.historyCacheSize = 0;
    htmx.config.refreshOnHistoryMiss = true;
  }

  function style(kind, isSelected) {
    return {
      radius: isSelected ? 12 : 8,
      weight: isSelected ? 4 : 2,
      color: isSelected ? "#111827" : "#ffffff",
      fillColor: COLORS[kind] || "#475569",
      fillOpacity: 0.9,
    };
  }

  var names = {};
  try { names = JSON.parse(box.dataset.categoryNames || "{}"); } catch (e) { names = {}; }

  function label(props) {
    var kind = props.kind === "utryg" ? box.dataset.labelUtryg : box.dataset.labelTryg;
    var cats = (props.categories || []).map(function (c) { return names[c] || c; });
    return cats.length ? kind + ": " + cats.join(", ") : kind;
  }

  function load(query) {
    if (!map) return;
    if (pending) pending.abort();
    pending = new AbortController();
    var url = box.dataset.geojsonUrl + (query ? "?" + query : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
                 signal: pending.signal })
      .then(function (resp) {
        if (!resp.ok) throw new Error(resp.status);
        return resp.json();
      })
      .then(draw)
      .catch(function (err) {
        if (err.name === "AbortError") return;
        if (status) status.textContent = box.dataset.labelError;
      });
  }

  function draw(collection) {
    if (layer) layer.remove();
    markers = {};
    layer = L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var isSel = String(feature.id) === String(selected);
        var m = L.circleMarker(latlng, style(feature.properties.kind, isSel));
        markers[feature.id] = m;
        return m;
      },
      onEachFeature: function (feature, m) {
        var tip = document.createElement("span");
        tip.textContent = label(feature.properties);  // text, never HTML
        m.bindTooltip(tip);
        m.on("click", function () { open(feature.id); });
      },
    }).addTo(map);
    box.dataset.loaded = String(collection.features.length);
    if (firstLoad) {
      // The areas' extent when nothing matches; the server does not fit the map itself, so
      // this is the only view change (two animated fits in a row cancel each other).
      var bounds = collection.features.length ? layer.getBounds() : boundsFrom(box.dataset.bounds);
      if (bounds) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false });
    }
    firstLoad = false;
    root.dispatchEvent(new CustomEvent("overview-map-loaded",
      { bubbles: true, detail: { count: collection.features.length } }));
  }


  function highlight(id) {
    var rows = document.querySelectorAll(".spot-card.is-selected");
    rows.forEach(function (r) { r.classList.remove("is-selected"); });
    var row = id !== null && document.getElementById("spot-row-" + id);
    if (row) row.classList.add("is-selected");
    if (selected !== null && markers[selected]) {
      var old = markers[selected];
      old.setStyle(style(old.feature.properties.kind, false));
    }
    selected = id;
    var m = markers[id];
    if (m) {
      m.setStyle(style(m.feature.properties.kind, true));
      m.bringToFront();
      if (!map.getBounds().contains(m.getLatLng())) map.panTo(m.getLatLng());
    }
  }

  function open(id) {
    lastFocus = document.activeElement;
    htmx.ajax("GET", box.dataset.detailUrl + id, { target: "#spot-panel", swap: "innerHTML" });
  }

  function close() {
    panel.innerHTML = "";
    panel.classList.remove("is-open");
    highlight(null);
    if (lastFocus && document.body.contains(lastFocus)) lastFocus.focus();
  }

  function selectTab(name) {
    root.dataset.tab = name;
    ["map", "list"].forEach(function (t) {
      var tab = document.getElementById("tab-" + t);
      tab.setAttribute("aria-selected", t === name ? "true" : "false");
      tab.tabIndex = t === name ? 0 : -1;
    });
    if (name === "map" && map) map.invalidateSize();
  }

  function init(leafletMap) {
    map = leafletMap;
    load(box.dataset.query);
  }

  // The map's own script ran before us (it is above this one), or runs later.
  whenMap(box.querySelector(".folium-map"), init);

  // htmx swapped the results list: load the same filter onto the map.
  document.body.addEventListener("spots-filtered", function (e) {
    box.dataset.query = e.detail.query || "";
    load(box.dataset.query);
  });

  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.target === panel) lastFocus = lastFocus || document.activeElement;
  });

  document.body.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail.target;
    if (target === panel) {
      var detail = panel.querySelector("[data-spot-id]");
      if (!detail) return;
      panel.classList.add("is-open");
      highlight(detail.dataset.spotId);
      var title = panel.querySelector("h2");
      if (title) title.focus();
    } else if (document.getElementById("result-count") && status) {
      status.textContent = document.getElementById("result-count").textContent.trim();
    }
  });

  panel.addEventListener("click", function (e) {
    if (e.target.closest("[data-close-panel]")) {
      e.preventDefault();
      close();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && panel.classList.contains("is-open")) close();
  });

  // Phones: map and list are tabs. Without this script both simply stack.
  var tablist = root.querySelector(".overview-tabs");
  tablist.hidden = false;
  root.classList.add("has-tabs");
  tablist.addEventListener("click", function (e) {
    var tab = e.target.closest("[role=tab]");
    if (tab) selectTab(tab.id.replace("tab-", ""));
  });
  tablist.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      var next = root.dataset.tab === "map" ? "list" : "map";
      selectTab(next);
      document.getElementById("tab-" + next).focus();
    }
  });

  // Desktop: the filters start open.
  var filters = document.getElementById("overview-filters");
  if (filters && window.matchMedia("(min-width: 900px)").matches) filters.open = true;

  window.addEventListener("resize", function () { if (map) map.invalidateSize(); });
}

initOverview();
