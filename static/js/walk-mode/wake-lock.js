/* Keep the screen on during the walk where the browser allows it (asked again whenever the
   page becomes visible: the browser drops the lock when it is hidden). */
export function keepAwake() {
  if (navigator.wakeLock && document.visibilityState === "visible") {
    navigator.wakeLock.request("screen").catch(() => {});
  }
}
