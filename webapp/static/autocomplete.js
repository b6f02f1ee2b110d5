// Department suggestions for saved-query forms, from /search/departments.json as one types a name
// or an alias: beside a drop-down (input.autocomplete) they select the best match in it and hide
// the rest; in a typed field (input.suggest, a large store's) they fill its datalist.
(function () {
  "use strict";
  function suggest(input, use) {
    var pending = 0;
    input.addEventListener("input", function () {
      var typed = input.value.trim();
      var ticket = ++pending;
      if (!typed) {
        use([]);
        return;
      }
      fetch(input.dataset.source + "?" + new URLSearchParams({ q: typed }))
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          if (ticket === pending) use(found);
        });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input.autocomplete"), function (input) {
    var select = document.getElementById(input.dataset.for);
    suggest(input, function (found) {
      if (!found.length) return; // nothing matches: the drop-down stays as it was
      var labels = found.map(function (d) { return d.label; });
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = option.value !== "" && labels.indexOf(option.value) < 0;
      });
      select.value = labels[0];
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.suggest"), function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    suggest(input, function (found) { // nothing matches: no suggestion left from before
      list.replaceChildren.apply(list, found.map(function (d) {
        var option = document.createElement("option");
        option.value = d.label;
        if (d.aliases && d.aliases !== d.label) option.label = d.aliases;
        return option;
      }));
    });
  });
})();
