// The editor's "show as graph" button: opens the CONSTRUCT or DESCRIBE being edited in /graph/construct.
(function () {
  "use strict";
  var button = document.getElementById("show-as-graph");
  if (!button || !window.rectkgEditor) return;
  button.addEventListener("click", function () {
    window.location.href = button.dataset.graph + "?" + new URLSearchParams({ query: window.rectkgEditor.getValue() });
  });
})();
