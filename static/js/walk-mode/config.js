/* The page's settings for walk mode (views/walks.py mode() writes #walk-mode-config): URLs,
   GPS limits, poll interval, whether the user leads the walk, and every text (cfg.t). */

export const cfg = JSON.parse(document.getElementById("walk-mode-config").textContent);
export const T = cfg.t;

/** Fill Python-style "%(name)s" placeholders of a translated text. */
export function fmt(s, params) {
  return String(s).replace(/%\((\w+)\)s/g, (_m, k) => params[k]);
}

/** The URL for *id* from a URL template built with id 0 ("/spots/0/hide"). */
export function urlFor(template, id) {
  return template.replace(/\/0(\/|$)/, "/" + id + "$1");
}
