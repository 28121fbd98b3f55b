/* Everything walk mode writes to the server. A new spot is sent, and on network trouble sent
   again with the same client_uuid (so the server never stores it twice); the later offline
   outbox replaces this module behind the same functions. */
import { csrfToken } from "../lib/dom.js";
import { cfg, urlFor } from "./config.js";

function post(url, fd) {
  return fetch(url, { method: "POST", body: fd, credentials: "same-origin",
                      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
}

/**
 * Send the new spot in FormData *fd* to cfg.createUrl, retrying after 2, 4, 8 … 30 s while
 * on.wanted() is true. on.saved(feature) on 200/201; on.refused(body) on any other answer
 * (body {error, field}, or {} without JSON); on.retrying(seconds) before each new try.
 */
export function sendSpot(fd, on, attempt = 0) {
  post(cfg.createUrl, fd).then((resp) => {
    if (resp.status >= 500 || resp.status === 408 || resp.status === 429) throw new Error("retry");
    return resp.json().catch(() => ({})).then((body) => {
      if (resp.status === 200 || resp.status === 201) on.saved(body);
      else on.refused(body);
    });
  }).catch(() => {
    // Network trouble: try again with the same client_uuid, so the server never duplicates.
    if (!on.wanted()) return;
    const wait = Math.min(30, 2 * Math.pow(2, attempt));
    on.retrying(wait);
    setTimeout(() => sendSpot(fd, on, attempt + 1), wait * 1000);
  });
}

/**
 * Ask the server whether the note *note* looks like it names a person; resolve to its
 * warning ({message, findings: [{kind, label, text}]}) or null. Offline, on an error or when the
 * answer is slow, resolve to null: the check never keeps a spot from being saved.
 */
export function checkNote(note, timeoutMs = 4000) {
  if (!note.trim() || !cfg.checkNoteUrl) return Promise.resolve(null);
  const fd = new FormData();
  fd.append("note", note);
  const late = new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs));
  const asked = post(cfg.checkNoteUrl, fd)
    .then((r) => (r.ok ? r.json() : null))
    .then((body) => (body && body.warning) || null)
    .catch(() => null);
  return Promise.race([asked, late]);
}

/**
 * Hide spot *id* (hidden "1") or show it again ("0"); resolve to {ok, body} with the server's
 * answer (the spot's Feature, or {error}). Rejects on network trouble.
 */
export function setHidden(id, hidden) {
  const fd = new FormData();
  fd.append("hidden", hidden);
  return post(urlFor(cfg.hideUrl, id), fd)
    .then((r) => r.json().then((b) => ({ ok: r.ok, body: b })));
}
