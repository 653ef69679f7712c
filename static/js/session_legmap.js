/* Session form: the leg map (templates/treatments/session_form_map.html).
   A tap on the legs adds an injection row at that point: the row comes from
   the injection-row endpoint, which fills in the leg, segment and site under
   the point (treatments/legmap.py, one source of truth). Each row with a
   position shows as a numbered marker, coloured by agent and form; a marker
   drags to a new point (the row's hidden diagram_x_pct/diagram_y_pct, and its
   leg/segment/site if the region changed) and, once selected, is removed
   with its row through the row's own remove button (a saved row is voided
   and can be undone there). The rows stay the full way to enter everything. */
(function () {
  "use strict";
  var card = document.getElementById("session-map");
  var form = document.getElementById("session-form");
  if (!card || !form) return;
  var svg = card.querySelector("svg.legmap");
  if (!svg) return;
  var SVGNS = "http://www.w3.org/2000/svg";
  var box = svg.viewBox.baseVal;
  var WIDTH = box && box.width ? box.width : 400;
  var HEIGHT = box && box.height ? box.height : 270;
  var TAP_SLOP = 8; // px a tap may wander and still be a tap
  var removeButton = document.getElementById("session-map-remove");
  var status = document.getElementById("session-map-selected");
  var rowUrl = card.dataset.rowUrl;
  var unsetClass = card.dataset.unsetClass || "legmap-marker--unset";
  var underlays = {};
  try {
    underlays = JSON.parse(document.getElementById("session-map-underlays").textContent) || {};
  } catch (e) { underlays = {}; }

  var pending = [];   // points waiting for their new row
  var fromMap = 0;    // rows on their way that were added by a tap
  var selected = null;
  var gesture = null;

  // The markers are drawn here from the rows; the server's are replaced.
  svg.querySelectorAll(".legmap-marker").forEach(function (el) { el.remove(); });
  var layer = document.createElementNS(SVGNS, "g");
  layer.setAttribute("class", "legmap-markers");
  svg.appendChild(layer);

  function rows() {
    return Array.prototype.slice.call(form.querySelectorAll(".injection-row"));
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function value(row, name) {
    var el = field(row, name);
    return el ? el.value : "";
  }

  function isRemoved(row) {
    return row.classList.contains("row-voided") || !row.isConnected;
  }

  function markerClass(row) {
    var agent = value(row, "agent");
    var kind = value(row, "form");
    return agent && kind ? "legmap-marker--" + agent + "-" + kind : unsetClass;
  }

  function position(row) {
    var x = parseFloat(value(row, "diagram_x_pct"));
    var y = parseFloat(value(row, "diagram_y_pct"));
    if (!isFinite(x) || !isFinite(y)) return null;
    return { x: x * WIDTH / 100, y: y * HEIGHT / 100 };
  }

  function place(g, point) {
    g.querySelectorAll("circle").forEach(function (c) {
      c.setAttribute("cx", point.x.toFixed(1));
      c.setAttribute("cy", point.y.toFixed(1));
    });
    var text = g.querySelector("text");
    text.setAttribute("x", point.x.toFixed(1));
    text.setAttribute("y", (point.y + 2.5).toFixed(1));
  }

  function marker(row, number, point) {
    var g = document.createElementNS(SVGNS, "g");
    g.setAttribute("class", "legmap-marker " + markerClass(row) + (row === selected ? " legmap-marker--selected" : ""));
    g.setAttribute("data-number", String(number));
    var hit = document.createElementNS(SVGNS, "circle");
    hit.setAttribute("class", "legmap-marker-hit");
    hit.setAttribute("r", "11");
    var dot = document.createElementNS(SVGNS, "circle");
    dot.setAttribute("r", "6");
    var text = document.createElementNS(SVGNS, "text");
    text.setAttribute("text-anchor", "middle");
    text.textContent = String(number);
    g.appendChild(hit);
    g.appendChild(dot);
    g.appendChild(text);
    place(g, point);
    g.mapRow = row;
    return g;
  }

  // Numbers follow the rows' numbers: removed rows neither count nor show.
  function draw() {
    if (gesture && gesture.marker) return; // redrawn when the drag ends
    layer.textContent = "";
    if (selected && isRemoved(selected)) select(null);
    var number = 0;
    rows().forEach(function (row) {
      if (isRemoved(row)) return;
      number += 1;
      row.dataset.mapNumber = String(number);
      var point = position(row);
      if (point) layer.appendChild(marker(row, number, point));
    });
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function select(row) {
    if (selected) selected.classList.remove("row-map-selected");
    selected = row;
    if (removeButton) removeButton.disabled = !row;
    if (row) {
      row.classList.add("row-map-selected");
      say((card.dataset.selectedText || "") + " " + row.dataset.mapNumber);
    } else {
      say("");
    }
    layer.querySelectorAll(".legmap-marker").forEach(function (g) {
      g.classList.toggle("legmap-marker--selected", g.mapRow === row);
    });
  }

  function toDrawing(event) {
    var matrix = svg.getScreenCTM();
    if (!matrix) return null;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(matrix.inverse());
    return {
      x: Math.min(Math.max(p.x, 0), WIDTH),
      y: Math.min(Math.max(p.y, 0), HEIGHT)
    };
  }

  function pct(point) {
    return {
      x: (point.x / WIDTH * 100).toFixed(1),
      y: (point.y / HEIGHT * 100).toFixed(1)
    };
  }

  function changed(el) {
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // A tap adds a row through the form's own "Add injection" button, so the
  // row's index and everything the button does stay in one place; the point
  // rides along as x and y (htmx:configRequest below).
  function addAt(point) {
    var button = document.getElementById("add-injection");
    if (!button) return;
    pending.push(pct(point));
    fromMap += 1;
    select(null);
    button.click();
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "add-injection" && pending.length) {
      var point = pending.shift();
      event.detail.parameters.x = point.x;
      event.detail.parameters.y = point.y;
    }
  });

  // After a move, ask the row endpoint what lies under the new point and
  // update the row where the region changed. A site the map filled in is
  // replaced; one the clinician typed is kept.
  function regionUpdate(row, p) {
    if (!rowUrl || !window.fetch) return;
    var url = rowUrl + "?index=0&x=" + encodeURIComponent(p.x) + "&y=" + encodeURIComponent(p.y);
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html || isRemoved(row)) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var fresh = tpl.content;
        function proposed(name) {
          var el = fresh.querySelector('[name$="-' + name + '"]');
          if (!el) return "";
          if (el.tagName === "SELECT") {
            var option = el.querySelector("option[selected]");
            return option ? option.value : "";
          }
          return el.getAttribute("value") || "";
        }
        var leg = proposed("leg");
        var segment = proposed("segment");
        var site = proposed("site");
        if (!leg) return; // off the legs: only the position moves
        if (leg === value(row, "leg") && segment === value(row, "segment") && site === (row.dataset.mapSite || "")) return;
        [["leg", leg], ["segment", segment]].forEach(function (pair) {
          var el = field(row, pair[0]);
          if (el && el.value !== pair[1]) { el.value = pair[1]; changed(el); }
        });
        var siteInput = field(row, "site");
        if (siteInput && (siteInput.value === "" || siteInput.value === row.dataset.mapSite)) {
          if (siteInput.value !== site) { siteInput.value = site; changed(siteInput); }
          row.dataset.mapSite = site;
        }
      })
      .catch(function () { /* the position is saved all the same */ });
  }

  function moveRow(row, point) {
    var p = pct(point);
    var x = field(row, "diagram_x_pct");
    var y = field(row, "diagram_y_pct");
    if (!x || !y) return;
    x.value = p.x;
    y.value = p.y;
    changed(x);
    regionUpdate(row, p);
  }

  svg.addEventListener("pointerdown", function (event) {
    if (event.button !== undefined && event.button > 0) return;
    var g = event.target.closest ? event.target.closest(".legmap-marker") : null;
    gesture = {
      id: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      marker: g && g.mapRow ? g : null,
      moved: false
    };
    if (gesture.marker) {
      select(g.mapRow);
      event.preventDefault();
      if (svg.setPointerCapture) {
        try { svg.setPointerCapture(event.pointerId); } catch (e) { /* not captured */ }
      }
    }
  });

  svg.addEventListener("pointermove", function (event) {
    if (!gesture || gesture.id !== event.pointerId) return;
    var far = Math.abs(event.clientX - gesture.x) + Math.abs(event.clientY - gesture.y) > TAP_SLOP;
    if (far) gesture.moved = true;
    if (gesture.marker && gesture.moved) {
      var point = toDrawing(event);
      if (point) place(gesture.marker, point);
      event.preventDefault();
    }
  });

  svg.addEventListener("pointerup", function (event) {
    if (!gesture || gesture.id !== event.pointerId) return;
    var done = gesture;
    gesture = null;
    var point = toDrawing(event);
    if (!point) return;
    if (done.marker) {
      if (done.moved) moveRow(done.marker.mapRow, point);
      draw();
      return;
    }
    if (!done.moved) addAt(point);
  });

  svg.addEventListener("pointercancel", function () {
    gesture = null;
    draw();
  });

  if (removeButton) {
    removeButton.addEventListener("click", function () {
      if (!selected) return;
      var row = selected;
      var button = row.querySelector("[data-remove-row]");
      select(null);
      if (button) button.click();
      draw();
    });
  }

  // The Doppler chosen for the session decides the faint reflux underlay.
  function underlay() {
    var choice = form.querySelector('[name="doppler"]');
    var key = (choice && choice.value) || card.dataset.latestDoppler || "";
    svg.querySelectorAll(".legmap-underlay-reflux").forEach(function (el) {
      el.classList.remove("legmap-underlay-reflux");
    });
    (underlays[key] || []).forEach(function (pair) {
      var region = svg.querySelector('[data-leg="' + pair[0] + '"][data-segment="' + pair[1] + '"]');
      if (region) region.classList.add("legmap-underlay-reflux");
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "doppler") underlay();
    if (event.target.closest(".injection-row")) draw();
  });
  form.addEventListener("rows-changed", function () { draw(); });

  // Rows come and go (added, copied, removed): redraw, and remember the site
  // the map filled in on a row a tap added.
  var container = document.getElementById("injection-rows") || form;
  new MutationObserver(function (records) {
    var added = null;
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (fromMap > 0 && node.nodeType === 1 && node.classList.contains("injection-row")) {
          fromMap -= 1;
          node.dataset.mapSite = value(node, "site");
          node.dataset.fromMap = "1";
          added = node;
        }
      });
    });
    draw();
    // The new row may be out of sight above the map: say that it came.
    if (added) say((card.dataset.addedText || "") + " " + (added.dataset.mapNumber || ""));
  }).observe(container, { childList: true });

  svg.setAttribute("aria-describedby", "session-map-hint");
  draw();
})();
