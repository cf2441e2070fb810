// Keeps the header's count of releases waiting for the reader's approval
// live: /live/inbox sends the number whenever it changes. Plain script, so
// pages without islands need no wasm for it.
(function () {
  var badge = document.querySelector("[data-inbox-count]");
  if (!badge || !window.EventSource) return;
  var source = new EventSource("/live/inbox");
  source.onmessage = function (event) {
    var count = parseInt(event.data, 10);
    if (isNaN(count)) return;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " waiting for your approval");
    badge.hidden = count === 0;
  };
})();
