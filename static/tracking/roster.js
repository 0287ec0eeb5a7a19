// Roster import progress: poll the JSON status until checking/importing ends, then
// reload so the server-rendered errors or the confirm button appear.
(function () {
  var box = document.getElementById("roster-progress");
  if (!box) return;
  var done = ["invalid", "valid", "done", "failed"];
  if (done.indexOf(box.dataset.status) !== -1) return;
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("roster-status-label").textContent = s.status_label;
        document.getElementById("roster-counts").textContent = s.processed_rows + "/" + s.total_rows;
        document.getElementById("roster-bar").style.width = s.percent + "%";
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
