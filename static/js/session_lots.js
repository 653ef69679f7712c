/* Session form: each injection row's lot. Once a row has an agent and a
   concentration, its lot menu offers only the open lots of that agent and
   concentration and proposes the one expiring first, unless the user chose
   a lot in that row. The lots come from <script id="lot-options">; the
   server checks the lot again (closed, expired, another agent) on saving. */
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var source = document.getElementById("lot-options");
  if (!form || !source) return;
  var LOTS = JSON.parse(source.textContent);

  function rowField(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function percent(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function matching(row) {
    var agent = rowField(row, "agent");
    var pct = percent((rowField(row, "concentration_pct") || {}).value);
    if (!agent || !agent.value || pct === null) return null;
    return LOTS.filter(function (lot) {
      return lot.agent === agent.value && Math.abs(parseFloat(lot.pct) - pct) < 1e-9;
    }).sort(function (a, b) {
      return a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0;
    });
  }

  function propose(row) {
    var select = row.querySelector("select[data-lot-select]");
    if (!select) return;
    var found = matching(row);
    var ids = found ? found.map(function (lot) { return lot.id; }) : null;
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = !!ids && option.value !== "" && option.value !== select.value &&
        ids.indexOf(option.value) === -1;
    });
    if (row.dataset.saved === "1" || select.dataset.chosen === "1" || ids === null) return;
    select.value = ids.length ? ids[0] : "";
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = option.value !== "" && ids.indexOf(option.value) === -1;
    });
  }

  function later(row) {
    // After the other change handlers (a vessel type's proposal fills the
    // agent and the concentration in the same event).
    window.setTimeout(function () { propose(row); }, 0);
  }

  form.addEventListener("change", function (event) {
    var row = event.target.closest && event.target.closest(".injection-row");
    if (!row) return;
    if (event.target.matches("select[data-lot-select]")) {
      event.target.dataset.chosen = "1";
      return;
    }
    later(row);
  });
  form.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest(".injection-row");
    if (row && /-concentration_pct$/.test(event.target.name || "")) later(row);
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    Array.prototype.forEach.call(form.querySelectorAll(".injection-row"), later);
  });
  // A lot already in a row when the page opens (saved, posted back, or
  // proposed by the server) stays unless the user changes it.
  Array.prototype.forEach.call(form.querySelectorAll("select[data-lot-select]"), function (select) {
    if (select.value) select.dataset.chosen = "1";
  });
  Array.prototype.forEach.call(form.querySelectorAll(".injection-row"), later);
})();
