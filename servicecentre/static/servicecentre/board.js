// The display board: after each refresh (htmx swaps the fragment every 2 s) a new call or a
// recall changes the fragment's data-marker; then a short two-tone beep (Web Audio: no file)
// sounds, once sound has been switched on (browsers only allow audio after a user gesture).
(function () {
  "use strict";
  var board = document.getElementById("board");
  var toggle = document.getElementById("sound-toggle");
  if (!board || !toggle) { return; }
  var audio = null;
  var on = false;
  function marker() {
    var grid = board.querySelector("[data-marker]");
    return grid ? grid.getAttribute("data-marker") : "";
  }
  var last = marker();
  function tone(freq, start, length) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length);
  }
  function beep() {
    if (!on || !audio) { return; }
    tone(880, 0, 0.35);
    tone(660, 0.4, 0.5);
  }
  toggle.addEventListener("click", function () {
    on = !on;
    if (on && !audio) {
      var Context = window.AudioContext || window.webkitAudioContext;
      audio = Context ? new Context() : null;
    }
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? toggle.getAttribute("data-off") || "Tắt âm thanh" : toggle.getAttribute("data-on") || "Bật âm thanh";
    if (on) { beep(); }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== board) { return; }
    var now = marker();
    if (now && now !== last) { beep(); }
    board.setAttribute("data-beeps", String(Number(board.getAttribute("data-beeps") || 0) + (now && now !== last ? 1 : 0)));
    last = now;
  });
})();
