// A page that waits on a job run off the request (a problem package being verified, a rejudge
// preview being judged) follows it: poll the job's status JSON every two seconds, show its count
// where the page has one (#follow-done / #follow-bar), and reload once the state changes, when the
// server renders the outcome.
(function () {
  "use strict";
  var box = document.getElementById("follow");
  if (!box) { return; }
  var waiting = box.dataset.state;
  var done = document.getElementById("follow-done");
  var bar = document.getElementById("follow-bar");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.state !== waiting) { window.location.reload(); return; }
        if (data && done && typeof data.done === "number") { done.textContent = data.done; }
        if (data && bar && typeof data.done === "number") { bar.value = data.done; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
