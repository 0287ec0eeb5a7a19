// JupyterHub buttons of a lab (templates/labs/hub_panel.html). No inline script:
// - start the learner's lab server as soon as the page loads (speculative start),
//   so "Mở bài thực hành" finds it running;
// - show a busy label while a button's request runs; ask before a reset.
(function () {
  "use strict";
  if (window.academyHubPanels) return; // the panel may be included more than once
  window.academyHubPanels = true;
  function csrfToken(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function warmUp(panel) {
    var url = panel.getAttribute("data-hub-warmup-url");
    if (!url || panel.getAttribute("data-hub-warmed")) return;
    panel.setAttribute("data-hub-warmed", "1");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(panel), "X-Requested-With": "fetch" },
    }).catch(function () { /* the click will try again */ });
  }
  function wire(panel) {
    warmUp(panel);
    panel.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = form.querySelector("button[type=submit]");
        var question = button && button.getAttribute("data-confirm");
        if (question && !window.confirm(question)) { event.preventDefault(); return; }
        var busy = button && button.getAttribute("data-busy-label");
        if (busy) {
          button.textContent = busy;
          button.setAttribute("aria-busy", "true");
          setTimeout(function () { button.disabled = true; }, 0);
        }
      });
    });
  }
  function init() { document.querySelectorAll(".lab-hub").forEach(wire); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
