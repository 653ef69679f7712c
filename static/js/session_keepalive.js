// Keeps a working user's session alive and warns before an idle logout.
//
// base.html gives <body> data-keep-alive-url and data-idle-seconds. While the
// user types or clicks, the page pings the keep-alive URL at most once a
// minute (a ping without interaction never happens, so an unattended page
// still times out). When a form on the page has unsaved changes and the idle
// timeout is near, an alert offers "Stay logged in". A form sent after the
// logout is kept by the server and offered again after the next login.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.keepAliveUrl;
  var idleSeconds = parseInt(body.dataset.idleSeconds, 10);
  if (!url || !idleSeconds) {
    return;
  }
  var PING_EVERY_MS = 60 * 1000;
  var WARN_BEFORE_MS = Math.min(2 * 60 * 1000, (idleSeconds * 1000) / 3);
  var CHECK_EVERY_MS = 10 * 1000;

  var warning = document.getElementById("idle-warning");
  var warningText = document.getElementById("idle-warning-text");
  var stayButton = document.getElementById("idle-warning-stay");

  var serverSeen = Date.now(); // the server counted this page load as activity
  var lastInteraction = 0;
  var lastPing = Date.now();
  var dirty = false;
  var expired = false;

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function ping() {
    var sentAt = Date.now();
    lastPing = sentAt;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.status === 204) {
        // The server noted the activity when the request arrived; count from
        // the sending, the earlier moment. Less than the idle timeout left
        // means the absolute limit of the login is near.
        var left = parseInt(response.headers.get("X-Session-Seconds-Left"), 10);
        serverSeen = sentAt - (isNaN(left) ? 0 : Math.max(0, idleSeconds - left) * 1000);
        hideWarning();
      } else if (response.status === 401 || response.redirected) {
        expired = true;
        showWarning();
      }
    }).catch(function () { /* offline: try again at the next interaction */ });
  }

  function interacted() {
    lastInteraction = Date.now();
    if (!expired && Date.now() - lastPing >= PING_EVERY_MS) {
      ping();
    }
  }

  function showWarning() {
    if (!warning) {
      return;
    }
    var left = idleSeconds * 1000 - (Date.now() - serverSeen);
    if (expired || left <= 0) {
      warningText.textContent = warning.dataset.textExpired;
      stayButton.classList.add("d-none");
    } else {
      var minutes = Math.max(1, Math.ceil(left / 60000));
      warningText.textContent = minutes === 1
        ? warning.dataset.textOne
        : warning.dataset.textMany.replace("__N__", String(minutes));
      stayButton.classList.remove("d-none");
    }
    if (warning.classList.contains("d-none")) {
      warning.classList.remove("d-none");
      if (!expired) {
        stayButton.focus();
      }
    }
  }

  function hideWarning() {
    if (warning && !expired) {
      warning.classList.add("d-none");
    }
  }

  function check() {
    if (expired) {
      return;
    }
    // An interaction since the last ping that the once-a-minute rule held back.
    if (lastInteraction > lastPing && Date.now() - lastPing >= PING_EVERY_MS) {
      ping();
      return;
    }
    var left = idleSeconds * 1000 - (Date.now() - serverSeen);
    if (dirty && left <= WARN_BEFORE_MS) {
      showWarning();
    }
  }

  // Not "change": it also fires when the warning takes the focus from a field.
  ["keydown", "pointerdown", "input"].forEach(function (name) {
    document.addEventListener(name, interacted, true);
  });
  document.addEventListener("input", function (event) {
    if (event.target && event.target.form) {
      dirty = true;
    }
  }, true);
  document.addEventListener("submit", function () {
    dirty = false;
  }, true);
  // An htmx request (a row added, a total refreshed) reaches the server too.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 401) {
      expired = true;
      showWarning();
    } else {
      serverSeen = Date.now();
    }
  });
  if (stayButton) {
    stayButton.addEventListener("click", function () {
      ping();
    });
  }
  window.setInterval(check, CHECK_EVERY_MS);
})();
