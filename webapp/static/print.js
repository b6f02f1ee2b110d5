// The dossier's print button (CSP forbids inline handlers): the browser's own print dialog.
(function () {
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
