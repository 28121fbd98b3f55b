/* Error messages in the new-spot form: each beside its field ([data-error-for] names the
   fields a slot speaks for; "_form" is the slot for everything else). */
import { $, $$ } from "../lib/dom.js";

let form = null;

export function initFormErrors(formEl) { form = formEl; }

function errorSlot(field) {
  const slot = $$("[data-error-for]", form).find(
    (s) => s.getAttribute("data-error-for").split(" ").indexOf(field) >= 0);
  return slot || $('[data-error-for~="_form"]', form);
}

/** Empty every message and unmark every field. */
export function clearErrors() {
  $$("[data-error-for]", form).forEach((el) => { el.textContent = ""; });
  $$("[aria-invalid]", form).forEach((el) => el.removeAttribute("aria-invalid"));
}

/** Empty the message of *field*. */
export function clearError(field) {
  const s = errorSlot(field);
  if (s) s.textContent = "";
}

/** Show *message* beside *field* (or the form's own slot), mark the field and scroll to it. */
export function showError(field, message) {
  const slot = errorSlot(field || "_form");
  slot.textContent = message;
  $$('[name="' + field + '"]', form).forEach((el) => el.setAttribute("aria-invalid", "true"));
  slot.scrollIntoView({ block: "center", behavior: "smooth" });
  const details = slot.closest("details");
  if (details) details.open = true;
}
