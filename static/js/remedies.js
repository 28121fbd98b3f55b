// Remedies pages: numbered task pins on the map, and "nearest first" asking for the position.
(function () {
  const script = document.currentScript;

  function addPins(map) {
    const data = document.getElementById("task-points");
    if (!data || !window.L) return;
    JSON.parse(data.textContent).forEach((p) => {
      const icon = L.divIcon({
        className: "",
        html: '<span class="task-pin' + (p.late ? " late" : "") + '">' + p.n + "</span>",
        iconSize: [28, 28], iconAnchor: [14, 14],
      });
      const link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.n + ". " + p.title;
      L.marker([p.lat, p.lon], { icon: icon, keyboard: false }).bindPopup(link).addTo(map);
    });
  }

  const box = document.querySelector(".tasks-page .folium-map");
  if (box && box.walkappMap) addPins(box.walkappMap);
  else document.addEventListener("walkapp:map-ready", (e) => {
    const el = document.getElementById(e.detail.id);
    if (el && el.closest(".tasks-page")) addPins(el.walkappMap);
  });

  const locating = document.getElementById("locating");
  if (!locating) return;
  const fallback = () => {
    locating.textContent = script.dataset.nopos;
    locating.classList.add("warn");
  };
  if (!("geolocation" in navigator)) { fallback(); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    const url = new URL(window.location.href);
    url.searchParams.set("sort", "distance");
    url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
    url.searchParams.set("lon", pos.coords.longitude.toFixed(6));
    window.location.replace(url.toString());
  }, fallback, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
})();
