/* The short message floating over the map ("Saved.", errors of a tap). */
import { $ } from "../lib/dom.js";

let timer = null;

/** Show *text*; hide it again after *ms* milliseconds (never, without *ms*). */
export function showToast(text, ms) {
  const toast = $("#wm-toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(timer);
  if (ms) timer = setTimeout(() => { toast.hidden = true; }, ms);
}
