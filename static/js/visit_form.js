/* Booking and moving a visit: the usual duration follows the purpose (until
   the user types a duration), the proposed end time follows the time and the
   duration, and the banner says when the chosen clinician has no working
   hours set. The data comes from a json_script block (visit-form-data). */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  var dataNode = document.getElementById("visit-form-data");
  if (!form || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent || "{}");
  var durations = data.durations || {};
  var noHours = data.noHours || {};
  var purpose = form.querySelector("[name=purpose]");
  var duration = form.querySelector("[name=duration_min]");
  var time = form.querySelector("[name=time]");
  var clinician = form.querySelector("[name=clinician]");
  var ends = document.getElementById("visit-ends");
  var banner = document.getElementById("hours-banner");
  var typed = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function showEnd() {
    if (!ends || !time || !duration) { return; }
    var match = /^(\d{1,2}):(\d{2})/.exec(time.value || "");
    var minutes = parseInt(duration.value, 10);
    if (!match || isNaN(minutes) || minutes <= 0) { ends.textContent = ""; return; }
    var total = parseInt(match[1], 10) * 60 + parseInt(match[2], 10) + minutes;
    total = total % (24 * 60);
    ends.textContent = ends.getAttribute("data-label") + " " +
      pad(Math.floor(total / 60)) + ":" + pad(total % 60);
  }

  function showBanner() {
    if (!banner || !clinician) { return; }
    var text = noHours[clinician.value] || "";
    banner.textContent = text;
    banner.classList.toggle("d-none", !text);
  }

  if (duration) {
    duration.addEventListener("input", function () { typed = true; showEnd(); });
  }
  if (purpose && duration) {
    purpose.addEventListener("change", function () {
      if (!typed && durations[purpose.value]) {
        duration.value = durations[purpose.value];
        showEnd();
      }
    });
  }
  if (time) { time.addEventListener("input", showEnd); time.addEventListener("change", showEnd); }
  if (clinician) { clinician.addEventListener("change", showBanner); }
})();
