// The browser print view: a button with data-print opens the print dialog
// (a script file, not an onclick attribute, which the Content-Security-Policy refuses).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
