// Proctor board: refresh each candidate's state, answered count, last save and time left from the
// small JSON endpoint every 10 seconds (the forms in the table are left alone while typing).
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table) { return; }
  var labels = {};
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function time(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function refresh() {
    fetch(table.dataset.url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.candidates.forEach(function (c) {
          var row = table.querySelector('tr[data-candidate="' + c.candidate_id + '"]');
          if (!row) { return; }
          row.querySelector('[data-field="answered"]').textContent = c.attempt_id ? c.answered + "/" + c.items : "";
          row.querySelector('[data-field="last_saved_at"]').textContent = time(c.last_saved_at);
          var left = c.remaining_seconds;
          row.querySelector('[data-field="remaining"]').textContent =
            left === null ? "" : Math.floor(left / 60) + ":" + pad(left % 60);
          row.dataset.state = c.state;
        });
        Object.keys(data.summary).forEach(function (key) {
          var badge = document.querySelector('[data-count="' + key + '"] span');
          if (badge) { badge.textContent = data.summary[key]; }
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 10000);
})();
