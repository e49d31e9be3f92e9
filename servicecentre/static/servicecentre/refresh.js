// The kiosk's ticket page goes back to the kiosk, and a ticket's public page reloads itself,
// after data-refresh-seconds (a script rather than <meta http-equiv="refresh">, which screen
// readers announce badly and axe-core flags). Paused while the page is hidden.
(function () {
  "use strict";
  var body = document.body;
  var seconds = Number(body.getAttribute("data-refresh-seconds") || 0);
  if (!seconds) { return; }
  var url = body.getAttribute("data-refresh-url") || window.location.href;
  window.setTimeout(function go() {
    if (document.hidden) { window.setTimeout(go, 2000); return; }
    window.location.replace(url);
  }, seconds * 1000);
})();
