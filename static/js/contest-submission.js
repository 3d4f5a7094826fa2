// The submission page follows its judging: poll the small status endpoint (every second while the
// judge works on it, less often while it waits in the queue), show "compiling" / "test k of n" and
// the finished tests the viewer may see as the judge reports them, then reload once so the server
// renders the result table.
(function () {
  "use strict";
  var box = document.getElementById("submission-status");
  if (!box || box.dataset.done === "true") { return; }
  var url = box.dataset.url;
  var verdict = document.getElementById("verdict");
  var progress = document.getElementById("progress");
  var bar = document.getElementById("progress-bar");
  var delay = 1000;
  var live = document.getElementById("live-tests");
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }
  function showRows(rows) {
    if (!live || !rows) { return; }
    var body = live.tBodies[0];
    while (body.rows.length > rows.length) { body.deleteRow(-1); }
    for (var i = body.rows.length; i < rows.length; i++) {   // rows only grow while judged
      var tr = body.insertRow(-1);
      cell(tr, rows[i].name);
      cell(tr, rows[i].verdict);
      cell(tr, rows[i].time.toFixed(3) + " s");
      cell(tr, rows[i].memory + " KiB");
    }
    live.hidden = rows.length === 0;
  }
  function show(p) {
    if (!p) { return; }
    showRows(p.rows);
    verdict.textContent = p.label;
    progress.textContent = p.text;
    progress.dataset.stage = p.stage;
    if (p.stage === "testing" && p.tests > 0) {
      bar.max = p.tests;
      bar.value = p.test - 1;          // tests finished before the one now running
      bar.textContent = p.test + "/" + p.tests;
      bar.hidden = false;
    } else if (p.stage === "testing") {  // hidden tests the viewer is not told the number of
      bar.removeAttribute("value");    // an endless bar
      bar.textContent = "";
      bar.hidden = false;
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        if (data.done) { window.location.reload(); return; }
        show(data.progress);
        delay = data.status === "queued" ? Math.min(delay * 1.5, 3000) : 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
}());
