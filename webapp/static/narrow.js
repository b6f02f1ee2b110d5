// A drop-down that narrows another (a report, its findings): choosing in it fills the other in
// place with what belongs to the choice (/queries/choices/NAME.json), so nothing reloads and the
// keyboard stays where it was; the note under the other says when there is nothing to choose.
// Without this script the button beside it reloads the form with the choice instead.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select[data-narrows]"), function (select) {
    var narrowed = document.getElementById(select.dataset.narrows);
    var note = document.getElementById(narrowed.getAttribute("aria-describedby"));
    var prompt = narrowed.options[0];
    document.getElementById(select.dataset.button).hidden = true;
    select.addEventListener("change", function () {
      var chosen = select.value;
      narrowed.replaceChildren(prompt);
      note.textContent = note.dataset.choose;
      note.hidden = false;
      if (!chosen) return;
      fetch(select.dataset.source + "?" + new URLSearchParams({ within: chosen }))
        .then(function (response) { return response.json(); })
        .then(function (found) {
          if (select.value !== chosen) return; // another report was chosen meanwhile
          found.forEach(function (d) {
            var option = document.createElement("option");
            option.value = d.value;
            option.textContent = d.label;
            narrowed.appendChild(option);
          });
          note.textContent = note.dataset.none;
          note.hidden = found.length > 0;
        });
    });
  });
})();
