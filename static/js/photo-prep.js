/* Phone-side photo preparation: read GPS and capture time, then shrink and re-encode.
 *
 *   import { prepare } from "./photo-prep.js";
 *   const p = await prepare(file);
 *   // p = {blob, name, lat, lon, takenAt, width, height, shrunk, originalBytes}
 *   formData.append("photo", p.blob, p.name);
 *   if (p.lat != null) { formData.append("photo_lat", p.lat); formData.append("photo_lon", p.lon); }
 *   if (p.takenAt) formData.append("photo_taken_at", p.takenAt);
 *
 * Re-encoding drops EXIF (position, camera, owner), so the position and time are read first
 * (exifr, served from static/vendor) and sent as form fields. When the browser cannot decode
 * the file (HEIC outside Safari, say), the original goes up unchanged: the server handles it.
 */
export const MAX_PX = 2560;
export const QUALITY = 0.85;

function pad(n) { return (n < 10 ? "0" : "") + n; }

function exifTime(raw, offset) {
  // EXIF "2024:05:01 21:30:12" (+ OffsetTimeOriginal "+02:00") -> ISO 8601; no offset: local.
  if (!raw) return null;
  if (raw instanceof Date) {
    if (isNaN(raw.getTime())) return null;
    raw = raw.getFullYear() + ":" + pad(raw.getMonth() + 1) + ":" + pad(raw.getDate()) + " " +
      pad(raw.getHours()) + ":" + pad(raw.getMinutes()) + ":" + pad(raw.getSeconds());
  }
  var m = /^(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)/.exec(String(raw));
  if (!m) return null;
  var iso = m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6];
  if (offset && /^[+-]\d\d:\d\d$/.test(String(offset).trim())) iso += String(offset).trim();
  return iso;
}

function validPosition(lat, lon) {
  return typeof lat === "number" && typeof lon === "number" && isFinite(lat) && isFinite(lon) &&
    Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
}

export function readMeta(file) {
  var none = { lat: null, lon: null, takenAt: null };
  if (!window.exifr) return Promise.resolve(none);
  return window.exifr.parse(file, {
    gps: true, tiff: true, exif: true, xmp: false, icc: false, iptc: false,
    reviveValues: false, translateValues: false,
    pick: ["GPSLatitude", "GPSLatitudeRef", "GPSLongitude", "GPSLongitudeRef",
           "DateTimeOriginal", "OffsetTimeOriginal", "CreateDate"]
  }).then(function (tags) {
    if (!tags) return none;
    var out = { lat: null, lon: null, takenAt: exifTime(tags.DateTimeOriginal || tags.CreateDate,
                                                        tags.OffsetTimeOriginal) };
    if (typeof tags.latitude === "number" && validPosition(tags.latitude, tags.longitude)) {
      out.lat = tags.latitude;
      out.lon = tags.longitude;
    }
    return out;
  }).catch(function () { return none; });  // malformed EXIF: no position, never an error
}

function decode(file) {
  if (window.createImageBitmap) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
      return decodeWithImg(file);
    });
  }
  return decodeWithImg(file);
}

function decodeWithImg(file) {
  return new Promise(function (resolve, reject) {
    var url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () { resolve(img); setTimeout(function () { URL.revokeObjectURL(url); }, 0); };
    img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("cannot decode")); };
    img.src = url;
  });
}

function shrink(source) {
  var w = source.width || source.naturalWidth, h = source.height || source.naturalHeight;
  var scale = Math.min(1, MAX_PX / Math.max(w, h));
  var cw = Math.max(1, Math.round(w * scale)), ch = Math.max(1, Math.round(h * scale));
  var canvas = document.createElement("canvas");
  canvas.width = cw;
  canvas.height = ch;
  var ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";  // transparent PNGs become white, not black
  ctx.fillRect(0, 0, cw, ch);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, cw, ch);
  if (source.close) source.close();
  return new Promise(function (resolve, reject) {
    canvas.toBlob(function (blob) {
      if (blob) resolve({ blob: blob, width: cw, height: ch, scaled: scale < 1 });
      else reject(new Error("encode failed"));
    }, "image/jpeg", QUALITY);
  });
}

function baseName(name) { return (name || "photo").replace(/\.[^.]*$/, "") || "photo"; }

export function prepare(file) {
  return readMeta(file).then(function (meta) {
    return decode(file).then(shrink).then(function (r) {
      var useOriginal = !r.scaled && r.blob.size >= file.size && /jpe?g$/i.test(file.type || "");
      return {
        blob: useOriginal ? file : r.blob,
        name: useOriginal ? file.name : baseName(file.name) + ".jpg",
        width: r.width, height: r.height, shrunk: !useOriginal,
        originalBytes: file.size, lat: meta.lat, lon: meta.lon, takenAt: meta.takenAt
      };
    }, function () {
      return { blob: file, name: file.name, width: null, height: null, shrunk: false,
               originalBytes: file.size, lat: meta.lat, lon: meta.lon, takenAt: meta.takenAt };
    });
  });
}
