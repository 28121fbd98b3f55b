/* DOM helpers every page script shares: query shortcuts, HTML escaping, the CSRF token. */

/** The first element matching *sel* (in *root*, default the document), or null. */
export function $(sel, root) { return (root || document).querySelector(sel); }

/** Every element matching *sel* (in *root*, default the document), as an array. */
export function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** *s* as HTML text or attribute value; null and undefined become "". */
export function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** The page's CSRF token (base.html's <meta name="csrf-token">), or "". */
export function csrfToken() {
  return ($('meta[name="csrf-token"]') || {}).content || "";
}

/**
 * The <script> element that loaded the module at *moduleUrl* (pass import.meta.url), for its
 * data-* attributes: document.currentScript is null in a module.
 */
export function ownScript(moduleUrl) {
  return Array.from(document.scripts).find((s) => s.src === moduleUrl) || null;
}
