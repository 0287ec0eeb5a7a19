// Copy a verify link; poll a batch's progress. No inline scripts (CSP-friendly).
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    input.select();
    var done = function () { button.textContent = button.dataset.done; };
    if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done); }
    else { document.execCommand("copy"); done(); }
  });

  var batch = document.getElementById("batch");
  if (!batch) return;
  function poll() {
    fetch(batch.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        ["status_label", "rendered", "total"].forEach(function (name) {
          var node = batch.querySelector('[data-field="' + name + '"]');
          if (node) node.textContent = data[name];
        });
        var bar = batch.querySelector(".progress");
        bar.setAttribute("aria-valuenow", data.percent);
        bar.firstElementChild.style.width = data.percent + "%";
        var list = batch.querySelector('[data-field="errors"]');
        list.replaceChildren.apply(list, data.errors.map(function (text) {
          var item = document.createElement("li"); item.textContent = text; return item;
        }));
        if (data.status === "pending" || data.status === "running") setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
