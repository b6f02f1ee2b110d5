// The SPARQL editor: CodeMirror (served from /static/vendor) over a plain <textarea>, running the
// query against the app's own /sparql endpoint and drawing the answer as a table whose entity IRIs
// read as their names (asked of /editor/labels) and link to their pages. A CONSTRUCT or DESCRIBE is
// drawn as its triples (主语, 谓语, 宾语) from /editor/triples, with its own downloads. Every word
// comes from the page (data-words), in its language. Without JavaScript the form still submits to /sparql.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) return;
  var endpoint = form.dataset.endpoint;
  var entityBase = form.dataset.entityBase;
  var entityPath = form.dataset.entityPath;
  var words = JSON.parse(form.dataset.words);
  var status = document.getElementById("status");
  var output = document.getElementById("results");
  var tableDownloads = document.getElementById("table-downloads");
  var graphDownloads = document.getElementById("graph-downloads");
  var showAsGraph = document.getElementById("show-as-graph");
  var editor = CodeMirror.fromTextArea(document.getElementById("query"), {
    mode: "application/sparql-query", lineNumbers: true, indentUnit: 2
  });
  window.rectkgEditor = editor;

  function say(key, n) {
    return words[key].replace("{n}", n);
  }

  // The query's form, read as the server reads it: the first of its keywords once IRIs (a PREFIX's
  // `#` is no comment), strings and comments are out of the way.
  function isGraph(text) {
    var body = text.replace(/<[^<>\s]*>/g, " ").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ")
      .replace(/#.*$/gm, " ");
    var form = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return !!form && /^(CONSTRUCT|DESCRIBE)$/i.test(form[1]);
  }

  // What the query's answer can become: a table's downloads, or a graph's and the graph view.
  function showDownloads() {
    var graph = isGraph(editor.getValue());
    tableDownloads.hidden = graph;
    graphDownloads.hidden = !graph;
    showAsGraph.hidden = !graph;
  }

  // A term as a cell: an entity IRI links to its page under its name; another IRI shows its name,
  // or itself when it has none; a literal its value.
  function cell(term, names) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.blank) {
      td.textContent = words.blank;
      return td;
    }
    var text = term.iri ? (names[term.iri] || term.text) : term.text;
    if (term.url) {
      var a = document.createElement("a");
      a.href = term.url;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function table(heads, rows, names) {
    var made = document.createElement("table");
    made.className = "results";
    var head = made.createTHead().insertRow();
    heads.forEach(function (h) { head.appendChild(h); });
    var body = made.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (term) { tr.appendChild(cell(term, names)); });
    });
    output.textContent = "";
    output.appendChild(made);
  }

  function heading(text, code) {
    var th = document.createElement("th");
    if (code) {  // a SPARQL variable, as the query names it
      var c = document.createElement("code");
      c.className = "variable";
      c.textContent = "?" + text;
      th.appendChild(c);
    } else {
      th.textContent = text;
    }
    return th;
  }

  // A SELECT binding as the cell's term: entity IRIs link to their pages.
  function term(b) {
    if (!b) return null;
    if (b.type === "bnode") return { blank: true };
    if (b.type !== "uri") return { text: b.value };
    var url = b.value.indexOf(entityBase) === 0 ? entityPath + b.value.slice(entityBase.length) : null;
    return { text: b.value, iri: b.value, url: url };
  }

  function named(iris) {
    var body = new URLSearchParams();
    iris.forEach(function (iri) { body.append("iri", iri); });
    return fetch(form.dataset.labels, { method: "POST", body: body }).then(function (r) { return r.json(); });
  }

  function drawSelect(data) {
    if (data.boolean !== undefined) {
      output.textContent = data.boolean ? words.yes : words.no;
      status.textContent = "";
      return;
    }
    var vars = data.head.vars;
    var rows = data.results.bindings.map(function (b) { return vars.map(function (v) { return term(b[v]); }); });
    var iris = {};
    rows.forEach(function (row) { row.forEach(function (t) { if (t && t.iri) iris[t.iri] = true; }); });
    return named(Object.keys(iris)).then(function (names) {
      table(vars.map(function (v) { return heading(v, true); }), rows, names);
      status.textContent = say("rows", rows.length);
    });
  }

  function drawTriples(data) {
    var heads = ["subject", "predicate", "object"].map(function (k) { return heading(words[k], false); });
    table(heads, data.rows, {});
    output.firstChild.id = "triples";
    status.textContent = say("triples", data.rows.length) + (data.truncated ? words.cut : "");
  }

  function failed(response) {
    return response.json().then(function (error) {
      status.textContent = words[error.error] || words.failed;
      output.textContent = "";
      var details = document.createElement("details");
      var summary = document.createElement("summary");
      var text = document.createElement("pre");
      summary.textContent = words.details;
      text.textContent = error.message;  // the engine's own words, for whoever wrote the query
      details.append(summary, text);
      output.appendChild(details);
    });
  }

  function run(event) {
    event.preventDefault();
    showDownloads();
    status.textContent = words.running;
    var query = editor.getValue();
    var graph = isGraph(query);
    var body = new URLSearchParams({ query: query });
    var asked = graph
      ? fetch(form.dataset.triples, { method: "POST", body: body, headers: { Accept: "application/json" } })
      : fetch(endpoint, { method: "POST", body: body, headers: { Accept: "application/sparql-results+json" } });
    asked
      .then(function (response) {
        if (!response.ok) return failed(response);
        return response.json().then(graph ? drawTriples : drawSelect);
      })
      .catch(function () { status.textContent = words.failed; });
  }

  form.addEventListener("submit", run);
  editor.on("change", showDownloads);
  showDownloads();
  Array.prototype.forEach.call(document.querySelectorAll("a.download"), function (link) {
    link.addEventListener("click", function () {
      link.href = endpoint + "?" + new URLSearchParams({ query: editor.getValue(), format: link.dataset.format });
    });
  });
})();
