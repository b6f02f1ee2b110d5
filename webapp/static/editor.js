// The SPARQL editor: CodeMirror (served from /static/vendor) over a plain <textarea>, running the
// query against the app's own /sparql endpoint and drawing the answer as a table whose entity IRIs
// link to their pages. Without JavaScript the form still submits to /sparql.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) return;
  var endpoint = form.dataset.endpoint;
  var entityBase = form.dataset.entityBase;
  var entityPath = form.dataset.entityPath;
  var status = document.getElementById("status");
  var output = document.getElementById("results");
  var editor = CodeMirror.fromTextArea(document.getElementById("query"), {
    mode: "application/sparql-query", lineNumbers: true, indentUnit: 2
  });
  window.rectkgEditor = editor;

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri" && term.value.indexOf(entityBase) === 0) {
      var a = document.createElement("a");
      a.href = entityPath + term.value.slice(entityBase.length);
      a.textContent = decodeURIComponent(term.value);
      td.appendChild(a);
    } else {
      td.textContent = term.value;
    }
    return td;
  }

  function draw(data) {
    output.textContent = "";
    if (data.boolean !== undefined) {
      output.textContent = String(data.boolean);
      return;
    }
    var table = document.createElement("table");
    table.className = "results";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (b) {
      var tr = body.insertRow();
      data.head.vars.forEach(function (v) { tr.appendChild(cell(b[v])); });
    });
    output.appendChild(table);
    status.textContent = data.results.bindings.length + " rows";
  }

  function run(event) {
    event.preventDefault();
    status.textContent = "…";
    var body = new URLSearchParams({ query: editor.getValue() });
    fetch(endpoint, { method: "POST", body: body, headers: { Accept: "application/sparql-results+json" } })
      .then(function (response) {
        var kind = response.headers.get("Content-Type") || "";
        if (kind.indexOf("sparql-results+json") >= 0) return response.json().then(draw);
        return response.json().then(function (error) {
          output.textContent = "";
          status.textContent = error.error + ": " + error.message;
        });
      })
      .catch(function (error) { status.textContent = String(error); });
  }

  form.addEventListener("submit", run);
  Array.prototype.forEach.call(document.querySelectorAll("a.download"), function (link) {
    link.addEventListener("click", function () {
      link.href = endpoint + "?" + new URLSearchParams({ query: editor.getValue(), format: link.dataset.format });
    });
  });
})();
