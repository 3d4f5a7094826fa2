// The submission page follows its judging: poll the small status endpoint (every second while the
// judge works on it, less often while it waits in the queue), show "compiling" / "test k of n" as
// the judge reports them, then reload once so the server renders the result table (what the viewer
// may see).
(function () {
  "use strict";
  var box = document.getElementById("submission-status");
  if (!box || box.dataset.done === "true") { return; }
  var url = box.dataset.url;
  var verdict = document.getElementById("verdict");
  var progress = document.getElementById("progress");
  var bar = document.getElementById("progress-bar");
  var delay = 1000;
  function show(p) {
    if (!p) { return; }
    verdict.textContent = p.label;
    progress.textContent = p.text;
    progress.dataset.stage = p.stage;
    if (p.stage === "testing" && p.tests > 0) {
      bar.max = p.tests;
      bar.value = p.test - 1;          // tests finished before the one now running
      bar.textContent = p.test + "/" + p.tests;
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
