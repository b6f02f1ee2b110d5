// A drop-down that narrows another (a report, its findings): choosing in it reloads the form with
// that choice, the other's old choice left out, so the other lists what belongs to the new one.
// Without this script the button beside it does the same.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select[data-narrows]"), function (select) {
    var narrowed = document.getElementById(select.dataset.narrows);
    var button = document.getElementById(select.dataset.button);
    button.hidden = true;
    select.addEventListener("change", function () {
      narrowed.disabled = true; // a disabled field is not sent
      button.click();
    });
    // Back to this page from the next one: the browser may restore it as it was left.
    window.addEventListener("pageshow", function () { narrowed.disabled = false; });
  });
})();
