/* Session form: add/remove injection rows in place, foam-only and
   compression-only fields enabled only when they apply. Totals are
   recomputed by the server (session-preview) on every change. */
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) return;
  var total = form.querySelector('input[name="injections-TOTAL_FORMS"]');

  function refresh() {
    if (window.htmx) htmx.trigger(form, "rows-changed");
  }

  function syncRow(row) {
    var kind = row.querySelector('select[name$="-form"]');
    var liquid = kind && kind.value !== "foam";
    row.querySelectorAll('[name$="-gas"], [name$="-gas_parts"]').forEach(function (el) {
      el.disabled = liquid || row.classList.contains("row-voided");
    });
  }

  function numberRows() {
    var n = 0;
    form.querySelectorAll("tr.injection-row").forEach(function (row) {
      var cell = row.querySelector(".row-number");
      if (cell) cell.textContent = row.classList.contains("row-voided") ? "" : String(++n);
    });
  }

  function syncCompression() {
    var checked = form.querySelector('input[name="compression"]:checked');
    var kind = checked ? checked.value : "none";
    form.querySelectorAll("[data-compression]").forEach(function (box) {
      var show = box.dataset.compression.split(" ").indexOf(kind) !== -1;
      box.classList.toggle("d-none", !show);
    });
    form.querySelectorAll("[data-compression] input, [data-compression] select").forEach(function (el) {
      el.disabled = !!el.closest("[data-compression].d-none");
    });
  }

  // The new row's index is the current TOTAL_FORMS; reserve it at once so
  // two quick clicks never get the same index.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "add-injection") {
      event.detail.parameters.index = total.value;
      total.value = String(parseInt(total.value, 10) + 1);
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("tr.injection-row");
    if (row.dataset.saved === "1") {
      // A saved injection is voided on save, never deleted; allow undo.
      var flag = row.querySelector('input[name$="-void"]');
      var voided = !row.classList.contains("row-voided");
      row.classList.toggle("row-voided", voided);
      flag.value = voided ? "1" : "";
      row.querySelectorAll("input:not([type=hidden]), select").forEach(function (el) {
        el.disabled = voided;
      });
      if (!voided) syncRow(row);
    } else {
      row.remove();
    }
    numberRows();
    refresh();
  });

  // The compression the clinic's practice proposes for the injections
  // entered (totals card): applied by itself on a new session until the
  // clinician chooses the compression, and on request ("Use it").
  var compressionChosen = form.dataset.editing === "1";

  function setValue(name, value) {
    var el = form.querySelector('[name="' + name + '"]');
    if (!el || el.value === value) return false;
    el.value = value;
    return true;
  }

  function applyProposal(box) {
    var changed = false;
    var radio = form.querySelector('input[name="compression"][value="' + box.dataset.compression + '"]');
    if (radio && !radio.checked) { radio.checked = true; changed = true; }
    syncCompression();
    changed = setValue("bandage_days", box.dataset.bandageDays || "") || changed;
    var cls = form.querySelector('[name="stocking_class"]');
    if (cls && !cls.value) changed = setValue("stocking_class", box.dataset.stockingClass) || changed;
    var days = form.querySelector('[name="stocking_days"]');
    if (days && !days.value) changed = setValue("stocking_days", box.dataset.stockingDays) || changed;
    if (changed) refresh();
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "session-totals" || compressionChosen) return;
    var box = form.querySelector(".compression-proposal");
    if (box) applyProposal(box);
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-apply-compression]");
    if (!button) return;
    compressionChosen = true;
    applyProposal(button.closest(".compression-proposal"));
  });

  form.addEventListener("change", function (event) {
    var row = event.target.closest("tr.injection-row");
    if (row) syncRow(row);
    if (event.target.name === "compression") syncCompression();
    if (event.isTrusted && (event.target.name === "compression" || event.target.closest("[data-compression]"))) {
      compressionChosen = true;
    }
  });

  if (window.htmx) {
    htmx.onLoad(function (el) {
      var rows = el.matches && el.matches("tr.injection-row") ? [el] : el.querySelectorAll("tr.injection-row");
      rows.forEach(syncRow);
      numberRows();
    });
  }
  form.querySelectorAll("tr.injection-row").forEach(syncRow);
  form.querySelectorAll("tr.row-voided").forEach(function (row) {
    row.querySelectorAll("input:not([type=hidden]), select").forEach(function (el) { el.disabled = true; });
  });
  numberRows();
  syncCompression();
})();
