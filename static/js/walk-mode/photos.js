/* The photos of a new spot: shrink each on the phone (photo-prep.js) as it is chosen, show
   previews with a remove button, and add them to the form data with the first photo's GPS and
   time (photo_lat/photo_lon/photo_taken_at; the server may place the spot there). */
import { $ } from "../lib/dom.js";
import { prepare } from "../photo-prep.js";
import { T } from "./config.js";
import { clearError } from "./form-errors.js";

let photos = [];
let photoMeta = null;  // the first photo's {lat, lon, takenAt} (or only {takenAt})
let prepping = Promise.resolve();
let onPosition = () => {};

function renderPreviews() {
  const previews = $("#photo-previews");
  previews.innerHTML = "";
  photos.forEach((file, i) => {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.alt = T.photo_alt;
    img.src = URL.createObjectURL(file);
    img.onload = () => URL.revokeObjectURL(img.src);
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "icon remove-photo";
    rm.setAttribute("aria-label", T.remove_photo + " " + (i + 1));
    rm.innerHTML = '<span aria-hidden="true">✕</span>';
    rm.addEventListener("click", () => { photos.splice(i, 1); renderPreviews(); });
    li.appendChild(img);
    li.appendChild(rm);
    previews.appendChild(li);
  });
}

function addPhoto(f) {
  return prepare(f).then((p) => {
    photos.push(p.blob instanceof File ? p.blob : new File([p.blob], p.name, { type: "image/jpeg" }));
    if (p.lat != null && !photoMeta) {
      photoMeta = p;
      onPosition(p);
    } else if (p.takenAt && !photoMeta) {
      photoMeta = { takenAt: p.takenAt };
    }
    renderPreviews();
  });
}

/**
 * Wire the camera and file inputs. *located(p)* hears of the first photo with a position
 * ({lat, lon, takenAt}); the caller decides whether the pin goes there.
 */
export function initPhotos(located) {
  onPosition = located;
  ["#photo-camera", "#photo-files"].forEach((sel) => {
    const input = $(sel);
    input.addEventListener("change", () => {
      const files = Array.from(input.files);
      input.value = "";
      clearError("photo");
      prepping = Promise.all([prepping].concat(files.map(addPhoto)));
    });
  });
}

/** Forget the photos (a new spot begins). */
export function resetPhotos() {
  photos = [];
  photoMeta = null;
  renderPreviews();
}

/** Resolve when every chosen photo is prepared. */
export function photosReady() { return prepping; }

/** Add the photos and their position and time to FormData *fd*. */
export function appendPhotos(fd) {
  photos.forEach((f) => fd.append("photo", f, f.name || "photo.jpg"));
  if (photoMeta && photoMeta.lat != null) {
    fd.append("photo_lat", photoMeta.lat);
    fd.append("photo_lon", photoMeta.lon);
  }
  if (photoMeta && photoMeta.takenAt) fd.append("photo_taken_at", photoMeta.takenAt);
}
