// Waiting room: poll the tiny status endpoint until the proctor opens the session, then enable
// "start" and press it (the deadline counts from the opening instant, not from this click).
(function () {
  "use strict";
  var box = document.getElementById("waiting");
  var start = document.getElementById("start");
  if (!box || !start || !start.disabled) { return; }
  var message = document.getElementById("wait-message");
  var delay = 2000 + Math.floor(Math.random() * 1000);   // spread a room's polls over time
  function poll() {
    fetch(box.dataset.status, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) {
        if (status && status.opened && !status.closed && !status.absent) {
          start.disabled = false;
          if (message) { message.textContent = message.dataset.opened; }
          document.getElementById("start-form").submit();
          return;
        }
        if (status && (status.closed || status.absent)) { window.location.reload(); return; }
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, delay * 2); });
  }
  setTimeout(poll, delay);
})();
