// Department autocomplete for saved-query forms: typing a name or an alias asks
// /search/departments.json and selects the matching department in the drop-down beside it.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input.autocomplete"), function (input) {
    var select = document.getElementById(input.dataset.for);
    var pending = 0;
    input.addEventListener("input", function () {
      var typed = input.value.trim();
      var ticket = ++pending;
      if (!typed) return;
      fetch(input.dataset.source + "?" + new URLSearchParams({ q: typed }))
        .then(function (response) { return response.json(); })
        .then(function (found) {
          if (ticket !== pending || !found.length) return;
          var labels = found.map(function (d) { return d.label; });
          Array.prototype.forEach.call(select.options, function (option) {
            option.hidden = option.value !== "" && labels.indexOf(option.value) < 0;
          });
          select.value = labels[0];
        });
    });
  });
})();
