/* Live status for a submission and progress of "regrade all": polls a small JSON
   endpoint once a second for the first ten seconds (grading usually takes a few),
   then backs off to every ten seconds so a long queue is not made longer by polls.
   No inline script, no CDN. */
(function () {
  "use strict";
  var INTERVAL = 1000;
  var MAX_INTERVAL = 10000;
  var GIVE_UP_MS = 15 * 60 * 1000; // the page still works on reload

  function delay(count) {
    return count < 10 ? INTERVAL : Math.min(MAX_INTERVAL, INTERVAL * Math.pow(1.3, count - 9));
  }

  function poll(url, onData) {
    var count = 0;
    var started = Date.now();
    function again(factor) {
      if (Date.now() - started < GIVE_UP_MS) { window.setTimeout(tick, delay(count) * factor); }
    }
    function tick() {
      count += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && onData(data)) { return; }
          again(1);
        })
        .catch(function () { again(2); });
    }
    window.setTimeout(tick, INTERVAL);
  }

  var status = document.getElementById("submission-status");
  if (status && status.dataset.pollUrl) {
    var waitFor = status.dataset.waitFor;
    poll(status.dataset.pollUrl, function (data) {
      var badge = status.querySelector(".badge");
      if (badge && badge.textContent !== data.label) { badge.textContent = data.label; }
      if (waitFor === "result" && data.finished) {
        // The feedback is rendered on the server: reload to show it.
        window.location.reload();
        return true;
      }
      if (waitFor === "notebook" && data.notebook_ready) {
        // The executed notebook is rendered a moment after the grade: show it.
        var frame = document.querySelector("iframe.executed-notebook");
        if (frame) { frame.src = frame.getAttribute("src"); }
        return true;
      }
      return waitFor === "notebook" && data.status !== "graded";
    });
  }

  var regrade = document.getElementById("regrade-progress");
  if (regrade && regrade.dataset.pollUrl && !regrade.dataset.finished) {
    var bar = document.getElementById("regrade-bar");
    var text = document.getElementById("regrade-text");
    poll(regrade.dataset.pollUrl, function (data) {
      bar.max = data.total;
      bar.value = data.done;
      bar.textContent = data.percent + " %";
      text.textContent = data.done + "/" + data.total;
      return data.finished;
    });
  }
})();
