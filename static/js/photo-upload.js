/* Enhance [data-photo-upload] file fields: shrink each chosen photo on the phone (photo-prep.js),
 * put the shrunk files back into the field (plain and htmx forms send them as usual), fill the
 * hidden photo_lat/photo_lon/photo_taken_at fields, and show previews. Fires "photo-prepared"
 * on the field's container with detail {photos: [...]} (walk mode can offer the position).
 * Without JavaScript, or if anything fails, the original files are sent.
 */
import { prepare } from "./photo-prep.js";

function kb(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.round(n / 1024) + " kB"; }

function setBusy(form, busy) {
  if (!form) return;
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
    b.disabled = busy;
  });
  if (busy) form.setAttribute("aria-busy", "true"); else form.removeAttribute("aria-busy");
}

function handle(input) {
  var box = input.closest("[data-photo-upload]");
  var status = box.querySelector("[data-photo-status]");
  var previews = box.querySelector("[data-photo-previews]");
  var files = Array.prototype.slice.call(input.files || []);
  if (!files.length || !window.DataTransfer) return;
  var form = input.form;
  setBusy(form, true);
  status.textContent = status.dataset.preparing;
  Promise.all(files.map(function (f) { return prepare(f); }))
    .then(function (photos) {
      var dt = new DataTransfer();
      photos.forEach(function (p) {
        dt.items.add(p.blob instanceof File ? p.blob
          : new File([p.blob], p.name, { type: "image/jpeg", lastModified: Date.now() }));
      });
      input.files = dt.files;
      var located = photos.filter(function (p) { return p.lat != null; })[0];
      box.querySelector("[data-photo-lat]").value = located ? located.lat : "";
      box.querySelector("[data-photo-lon]").value = located ? located.lon : "";
      var timed = photos.filter(function (p) { return p.takenAt; })[0];
      box.querySelector("[data-photo-taken-at]").value = timed ? timed.takenAt : "";
      previews.textContent = "";
      photos.forEach(function (p, i) {
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(p.blob);
        img.alt = (i + 1) + ": " + kb(p.originalBytes) + " → " + kb(p.blob.size);
        li.appendChild(img);
        previews.appendChild(li);
      });
      var failed = photos.some(function (p) { return !p.shrunk && p.width == null; });
      status.textContent = failed ? status.dataset.failed : status.dataset.ready;
      box.dispatchEvent(new CustomEvent("photo-prepared", { bubbles: true, detail: { photos: photos } }));
    })
    .catch(function () { status.textContent = status.dataset.failed; })
    .then(function () { setBusy(form, false); });
}

document.addEventListener("change", function (ev) {
  var input = ev.target;
  if (input.matches && input.matches("[data-photo-upload] input[type=file]")) handle(input);
});
