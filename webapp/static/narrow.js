// A drop-down that narrows another (a report, its findings): choosing in it fills the other in
// place with what belongs to the choice (/queries/choices/NAME.json), so nothing reloads and the
// keyboard stays where it was; the note under the other says when there is nothing to choose.
// Without this script, or when the list cannot be had, the button beside it reloads the form.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select[data-narrows]"), function (select) {
    var narrowed = document.getElementById(select.dataset.narrows);
    var note = document.getElementById(narrowed.getAttribute("aria-describedby") || "") || document.createElement("p");
    var button = document.getElementById(select.dataset.button);
    var prompt = narrowed.options[0];
    var drawn = Array.prototype.filter.call(select.options, function (o) { return o.defaultSelected; });
    var served = drawn.length ? drawn[0].value : ""; // the report the server listed findings for
    var ticket = 0;
    function say(text) {
      note.textContent = text;
      note.hidden = !text;
    }
    function fill() {
      var chosen = select.value;
      var mine = ++ticket;
      narrowed.replaceChildren(prompt);
      prompt.selected = true;
      say(chosen ? "" : note.dataset.choose);
      if (!chosen) return;
      fetch(select.dataset.source + "?" + new URLSearchParams({ within: chosen }))
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (found) {
          if (mine !== ticket) return; // another report was chosen meanwhile
          narrowed.replaceChildren.apply(narrowed, [prompt].concat(found.map(function (d) {
            var option = document.createElement("option");
            option.value = d.value;
            option.textContent = d.label;
            return option;
          })));
          say(found.length ? "" : note.dataset.none);
        })
        .catch(function () {
          if (mine === ticket) button.hidden = false; // the list is not to be had: let the form reload
        });
    }
    button.hidden = true;
    select.addEventListener("change", fill);
    // Back to this page: the browser may restore another report than the one listed for.
    window.addEventListener("pageshow", function () {
      if (select.value !== served) fill();
    });
  });
})();
