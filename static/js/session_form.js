/* Session form: add, copy and remove injection rows in place; foam-only and
   compression-only fields enabled only when they apply; the vessel type's
   proposal (treatments/presets.py) filled into the fields the user has not
   set; Enter moves on instead of saving; a warning before leaving unsaved
   changes; after a refused save, the first field to correct takes the focus.
   Totals are recomputed by the server (session-preview) on every change. */
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) return;
  var total = form.querySelector('input[name="injections-TOTAL_FORMS"]');
  var rowsBody = document.getElementById("injection-rows");
  var addButton = document.getElementById("add-injection");
  var presetsScript = document.getElementById("injection-presets");
  var PRESETS = presetsScript ? JSON.parse(presetsScript.textContent) : {};
  // The fields a vessel type's proposal fills in.
  var PRESET_FIELDS = ["agent", "concentration_pct", "form", "gas", "gas_parts", "ultrasound_guided"];
  // Not copied to a new row: the record's identity and its place on the leg map.
  var NOT_COPIED = ["id", "void", "session", "diagram_x_pct", "diagram_y_pct"];
  var FOAM_GAS = "air";
  var FOAM_GAS_PARTS = "4";

  function refresh() {
    if (window.htmx) htmx.trigger(form, "rows-changed");
  }

  function fieldName(el) {
    // "injections-3-concentration_pct" -> "concentration_pct"
    var name = el.name || "";
    return name.slice(name.lastIndexOf("-") + 1);
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function valueOf(el) {
    if (!el) return "";
    return el.type === "checkbox" ? (el.checked ? "on" : "") : el.value;
  }

  function setField(el, value) {
    if (!el) return;
    if (el.type === "checkbox") el.checked = !!value;
    else el.value = value;
  }

  // --- which fields of a row the user set -------------------------------

  function touched(row) {
    return (row.dataset.touched || "").split(" ").filter(Boolean);
  }

  function touch(row, name) {
    var names = touched(row);
    if (names.indexOf(name) === -1) names.push(name);
    row.dataset.touched = names.join(" ");
  }

  function isTouched(row, name) {
    return touched(row).indexOf(name) !== -1;
  }

  function initRow(row) {
    if (row.dataset.touched !== undefined) return;
    // A row that arrives filled in (a saved injection, a refused save, a
    // repeated plan) holds the user's choices: proposals leave it alone.
    var filled = valueOf(field(row, "agent")) || valueOf(field(row, "concentration_pct"));
    row.dataset.touched = filled ? PRESET_FIELDS.join(" ") : "";
    showVolumeHint(row);
  }

  // --- proposals by vessel type ------------------------------------------

  function showVolumeHint(row) {
    var volume = field(row, "volume_ml");
    var preset = PRESETS[valueOf(field(row, "vessel_type"))];
    if (!volume) return;
    volume.placeholder = preset ? preset.volume_placeholder : "";
    volume.title = preset ? preset.volume_hint : "";
  }

  function proposeConcentration(row, preset) {
    if (!preset || isTouched(row, "concentration_pct")) return;
    var pct = preset.concentration_pct[valueOf(field(row, "agent"))];
    if (pct) setField(field(row, "concentration_pct"), pct);
  }

  function proposeGas(row, preset) {
    var foam = valueOf(field(row, "form")) === "foam";
    if (!isTouched(row, "gas")) {
      setField(field(row, "gas"), foam ? (preset && preset.gas) || FOAM_GAS : "");
    }
    if (!isTouched(row, "gas_parts")) {
      setField(field(row, "gas_parts"), foam ? (preset && preset.gas_parts) || FOAM_GAS_PARTS : "");
    }
  }

  function applyPreset(row) {
    var preset = PRESETS[valueOf(field(row, "vessel_type"))];
    showVolumeHint(row);
    if (!preset) return;
    if (!isTouched(row, "agent")) setField(field(row, "agent"), preset.agent);
    if (!isTouched(row, "form")) setField(field(row, "form"), preset.form);
    if (!isTouched(row, "ultrasound_guided")) {
      setField(field(row, "ultrasound_guided"), preset.ultrasound_guided);
    }
    proposeConcentration(row, preset);
    proposeGas(row, preset);
  }

  // --- rows ----------------------------------------------------------------

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

  // The next free row index; reserved at once so that two quick clicks
  // never get the same one.
  function reserveIndex() {
    var index = total.value;
    total.value = String(parseInt(total.value, 10) + 1);
    return index;
  }

  // A row's index: a copy brings the one it reserved when it was tapped (in
  // its own request's values: copies tapped while earlier rows are still on
  // their way each keep theirs); "Add injection" reserves one when sent.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "add-injection" && !event.detail.parameters.index) {
      event.detail.parameters.index = reserveIndex();
    }
  });

  // Copies asked for whose row has not come back yet: the copied row's
  // values as they were when "copy" was tapped, by the copy's row index.
  var pendingCopies = {};

  function copyRow(source) {
    if (!window.htmx || !addButton) return;
    var index = reserveIndex();
    var values = [];
    source.querySelectorAll("input, select, textarea").forEach(function (el) {
      var name = fieldName(el);
      if (el.type === "hidden" || NOT_COPIED.indexOf(name) !== -1) return;
      values.push([name, el.type === "checkbox" ? el.checked : el.value]);
    });
    pendingCopies[index] = {values: values, touched: source.dataset.touched || ""};
    // Sent as the "Add injection" button's request (its queue), with its index.
    htmx.ajax("GET", addButton.getAttribute("hx-get"), {
      source: addButton, target: rowsBody, swap: "beforeend", values: {index: index}
    });
  }

  // Fill each copy when its row arrives (a copy tapped while earlier rows
  // were still on their way waits in htmx's queue: its promise does not).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== rowsBody) return;
    Object.keys(pendingCopies).forEach(function (index) {
      var copy = rowsBody.querySelector('[name^="injections-' + index + '-"]');
      copy = copy && copy.closest("tr.injection-row");
      if (!copy) return;
      var pending = pendingCopies[index];
      delete pendingCopies[index];
      pending.values.forEach(function (pair) { setField(field(copy, pair[0]), pair[1]); });
      copy.dataset.touched = pending.touched;
      showVolumeHint(copy);
      syncRow(copy);
      numberRows();
      markDirty();
      refresh();
      var site = field(copy, "site");
      if (site) site.focus();
    });
  });

  form.addEventListener("click", function (event) {
    var copyButton = event.target.closest("[data-copy-row]");
    if (copyButton) {
      copyRow(copyButton.closest("tr.injection-row"));
      return;
    }
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
      row.querySelectorAll("[data-copy-row]").forEach(function (el) {
        el.disabled = voided;
      });
      if (!voided) syncRow(row);
    } else {
      row.remove();
    }
    numberRows();
    markDirty();
    refresh();
  });

  // --- compression -----------------------------------------------------------

  // The compression the clinic's practice proposes for the injections
  // entered (totals card): applied by itself on a new session until the
  // clinician chooses the compression, and on request ("Use it"). A repeated
  // plan brings its own compression.
  var compressionChosen = form.dataset.editing === "1" || form.dataset.repeated === "1";

  function setValue(name, value) {
    var el = form.querySelector('[name="' + name + '"]');
    if (!el || el.value === value) return false;
    el.value = value;
    return true;
  }

  // `auto`: applied by itself, the fields hold the previous proposal and
  // take the new one; on request, what the clinician typed stays.
  function applyProposal(box, auto) {
    var changed = false;
    var radio = form.querySelector('input[name="compression"][value="' + box.dataset.compression + '"]');
    if (radio && !radio.checked) { radio.checked = true; changed = true; }
    syncCompression();
    changed = setValue("bandage_days", box.dataset.bandageDays || "") || changed;
    var cls = form.querySelector('[name="stocking_class"]');
    if (cls && (auto || !cls.value)) changed = setValue("stocking_class", box.dataset.stockingClass) || changed;
    var days = form.querySelector('[name="stocking_days"]');
    if (days && (auto || !days.value)) changed = setValue("stocking_days", box.dataset.stockingDays) || changed;
    if (changed) refresh();
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "session-totals" || compressionChosen) return;
    var box = form.querySelector(".compression-proposal");
    if (box) applyProposal(box, true);
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-apply-compression]");
    if (!button) return;
    compressionChosen = true;
    applyProposal(button.closest(".compression-proposal"), false);
  });

  // --- what the user changes -------------------------------------------------

  // Values this script sets fire no events: every input or change event on
  // a row's field is the user's (or another script's on the user's behalf).
  form.addEventListener("input", function (event) {
    var row = event.target.closest("tr.injection-row");
    if (row && event.target.name) touch(row, fieldName(event.target));
    markDirty();
  });

  form.addEventListener("change", function (event) {
    var row = event.target.closest("tr.injection-row");
    if (row && event.target.name) {
      var name = fieldName(event.target);
      touch(row, name);
      var preset = PRESETS[valueOf(field(row, "vessel_type"))];
      if (name === "vessel_type") applyPreset(row);
      else if (name === "agent") proposeConcentration(row, preset);
      else if (name === "form") proposeGas(row, preset);
      syncRow(row);
    }
    if (event.target.name === "compression") syncCompression();
    if (event.isTrusted && (event.target.name === "compression" || event.target.closest("[data-compression]"))) {
      compressionChosen = true;
    }
    markDirty();
  });

  // --- Enter never saves ---------------------------------------------------------

  var NO_ENTER_TYPES = ["submit", "button", "reset", "image", "file"];

  function focusables() {
    return Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button"),
      function (el) {
        return el.type !== "hidden" && !el.disabled && el.offsetParent !== null;
      }
    );
  }

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var el = event.target;
    if (el.tagName !== "INPUT" || NO_ENTER_TYPES.indexOf(el.type) !== -1) return;
    event.preventDefault();
    // Move on to the next field, as Tab would.
    var all = focusables();
    var next = all[all.indexOf(el) + 1];
    if (next) next.focus();
  });

  // --- leaving with unsaved changes ----------------------------------------------

  var dirty = !!document.getElementById("not-saved");
  var submitting = false;

  function markDirty() {
    dirty = true;
  }

  form.addEventListener("submit", function () {
    submitting = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty || submitting) return;
    event.preventDefault();
    // Older browsers show the prompt only with a returnValue.
    event.returnValue = "";
  });

  // --- after a refused save: the first field to correct -------------------------

  function firstProblem() {
    var marks = form.querySelectorAll(".is-invalid, .invalid-feedback");
    for (var i = 0; i < marks.length; i++) {
      var mark = marks[i];
      var target = mark.matches("input, select, textarea")
        ? mark
        : (mark.closest("td, .mb-3, .form-check, fieldset") || mark.parentElement)
            .querySelector("input:not([type=hidden]), select, textarea");
      if (target && !target.disabled) return target;
    }
    return null;
  }

  function showFirstProblem() {
    var notice = document.getElementById("not-saved");
    if (!notice) return;
    var target = firstProblem();
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    } else {
      notice.scrollIntoView({ block: "start" });
      notice.focus({ preventScroll: true });
    }
  }

  // --- start ---------------------------------------------------------------------

  if (window.htmx) {
    htmx.onLoad(function (el) {
      var rows = el.matches && el.matches("tr.injection-row") ? [el] : el.querySelectorAll("tr.injection-row");
      rows.forEach(function (row) {
        initRow(row);
        syncRow(row);
      });
      numberRows();
    });
  }
  form.querySelectorAll("tr.injection-row").forEach(function (row) {
    initRow(row);
    syncRow(row);
  });
  form.querySelectorAll("tr.row-voided").forEach(function (row) {
    row.querySelectorAll("input:not([type=hidden]), select, [data-copy-row]").forEach(function (el) {
      el.disabled = true;
    });
  });
  numberRows();
  syncCompression();
  showFirstProblem();
  // A repeated plan: count its rows in the totals at once (once htmx,
  // which starts when the document is loaded, listens).
  if (form.dataset.repeated === "1") {
    window.addEventListener("load", function () { window.setTimeout(refresh, 0); });
  }
})();
