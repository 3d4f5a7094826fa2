// The submission page follows its judging: poll the small status endpoint until a verdict arrives,
// then reload once so the server renders the result table (what the viewer may see).
(function () {
  "use strict";
  var box = document.getElementById("submission-status");
  if (!box || box.dataset.done === "true") { return; }
  var url = box.dataset.url;
  var verdict = document.getElementById("verdict");
  var progress = document.getElementById("progress");
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        verdict.textContent = data.verdict || data.status;
        if (data.done) { window.location.reload(); return; }
        if (data.progress) { progress.textContent = data.progress; }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
}());
