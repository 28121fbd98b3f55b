// Mine opgaver: "nearest first" asks the phone for its position, then reloads with lat/lon.
(function () {
  const script = document.currentScript;
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
