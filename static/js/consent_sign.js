// The consent signing page: the patient signs on the pad (signature_pad,
// vendored); on submit the drawing goes into the hidden "signature" field as
// a PNG data URL. A script file, not inline code: the Content-Security-Policy
// allows scripts from the site only.
(function () {
  "use strict";
  const form = document.querySelector("form[data-consent-sign]");
  if (!form || typeof window.SignaturePad === "undefined") {
    return;
  }
  const canvas = form.querySelector("canvas[data-signature-pad]");
  const field = form.querySelector("input[name=signature]");
  const clear = form.querySelector("[data-signature-clear]");
  const status = form.querySelector("[data-signature-status]");
  const pad = new window.SignaturePad(canvas, {
    penColor: "#000",
    minWidth: 1,
    maxWidth: 3,
  });

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // The canvas is drawn at the screen's pixel density, so a signature stays
  // sharp on a tablet; resizing clears it (the drawing would be distorted).
  function resize() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.isEmpty() ? null : pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data) {
      pad.fromData(data);
    }
  }
  window.addEventListener("resize", resize);
  resize();

  pad.addEventListener("endStroke", () => {
    say(form.dataset.signedText || "");
  });

  if (clear) {
    clear.addEventListener("click", () => {
      pad.clear();
      field.value = "";
      say(form.dataset.clearedText || "");
    });
  }

  form.addEventListener("submit", (event) => {
    if (pad.isEmpty()) {
      event.preventDefault();
      say(form.dataset.emptyText || "");
      canvas.focus();
      return;
    }
    field.value = pad.toDataURL("image/png");
  });
})();
