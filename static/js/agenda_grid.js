/* Day and week agenda grids: drag a visit onto a free slot to move it. The drop opens
   the visit's reschedule form pre-filled with the slot (the user gives the
   reason and confirms there). Without dragging, the block's "Move" link does
   the same: the free slots then lead to that form. */
(function () {
  "use strict";
  var grid = document.getElementById("agenda-grid");
  if (!grid) { return; }
  var dragged = null;

  grid.addEventListener("dragstart", function (event) {
    var block = event.target.closest ? event.target.closest(".ag-block[data-move-url], .ag-week-block[data-move-url]") : null;
    if (!block) { return; }
    dragged = block;
    block.classList.add("ag-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.getAttribute("data-visit"));
  });
  grid.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("ag-dragging"); }
    dragged = null;
    grid.querySelectorAll(".ag-drop-over").forEach(function (el) { el.classList.remove("ag-drop-over"); });
  });

  function slotOf(event) {
    var target = event.target.closest ? event.target.closest(".ag-free[data-time]") : null;
    return dragged ? target : null;
  }
  grid.addEventListener("dragover", function (event) {
    var slot = slotOf(event);
    if (!slot) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    slot.classList.add("ag-drop-over");
  });
  grid.addEventListener("dragleave", function (event) {
    var slot = slotOf(event);
    if (slot) { slot.classList.remove("ag-drop-over"); }
  });
  grid.addEventListener("drop", function (event) {
    var slot = slotOf(event);
    if (!slot) { return; }
    event.preventDefault();
    var params = new URLSearchParams();
    ["clinician", "site", "date", "time"].forEach(function (name) {
      params.set(name, slot.getAttribute("data-" + name));
    });
    window.location.assign(dragged.getAttribute("data-move-url") + "?" + params.toString());
  });
})();
