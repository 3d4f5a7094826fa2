// The problem package's page follows its verification: poll the upload's state every two seconds
// and reload once it is settled (the server then shows the problem, or the reason and the form).
(function () {
  "use strict";
  var box = document.getElementById("upload-status");
  if (!box || box.dataset.state !== "verifying") { return; }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.state !== "verifying") { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
