// The graph views (/graph): explorer, shared responsibility, finding trace and CONSTRUCT answers,
// drawn with vis-network (served by the app from the pyvis package). Everything taken from the
// graph is text: labels are canvas text, tooltips and the details panel are DOM nodes filled with
// textContent, so a title such as `<img src=x onerror=…> href` is shown, never run.
(function () {
  "use strict";
  var app = document.getElementById("graph-app");
  if (!app || typeof vis === "undefined") return;
  var view = app.dataset.view;
  var api = app.dataset.api;
  var cap = Number(app.dataset.cap);
  var kinds = JSON.parse(app.dataset.kinds);
  var words = JSON.parse(app.dataset.words);
  var params = JSON.parse(app.dataset.params);
  var statusLine = document.getElementById("graph-status");
  var messageLine = document.getElementById("graph-message");
  var details = document.getElementById("details");
  var ROLE_COLORS = {
    lead: "#c0392b", partner: "#e67e22", target: "#2980b9", mentioned: "#95a5a6",
    issuer: "#7a1f1f", inspector: "#7a1f1f", inspectedBody: "#7a1f1f", part: "#b0b7bb"
  };
  var ACTION_COLOR = "#8e44ad";
  var COMMUNITY_COLORS = ["#2e8b57", "#3c78d8", "#d64545", "#b5651d", "#8e44ad", "#16a085", "#d9a441", "#7f8c8d",
    "#c0392b", "#2c3e50"];
  var OTHER = { name: "?", color: "#555555", shape: "ellipse" };
  var ORDER = ["report", "category", "group", "finding", "measure", "department", "document", "quantity"];
  var roles = JSON.parse(app.dataset.roles);

  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var expanded = {};
  var hiddenKinds = {};
  var hiddenCategories = {};
  var options = {
    interaction: { hover: true, tooltipDelay: 150 },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 150 } },
    layout: { improvedLayout: false },
    nodes: { font: { size: 13, color: "#1d2428" }, size: 14 },
    edges: { font: { size: 11, align: "middle", color: "#444" }, smooth: false, color: { inherit: false } }
  };
  if (view === "trace") {
    options.layout = { hierarchical: { direction: "LR", levelSeparation: 260, nodeSpacing: 40, sortMethod: "directed" } };
    options.physics = false;
  }
  var network = new vis.Network(document.getElementById("graph"), { nodes: nodes, edges: edges }, options);
  window.rectkgGraph = { network: network, nodes: nodes, edges: edges };

  // --- small DOM helpers: text only ---------------------------------------------------------
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function link(url, text) {
    var a = el("a", text);
    if (url && url.charAt(0) === "/" && url.charAt(1) !== "/") a.href = url;  // only the app's own pages
    return a;
  }
  function short(text, length) {
    text = String(text || "");
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }
  function kindOf(kind) { return kinds[kind] || OTHER; }
  function say(text) {
    messageLine.hidden = !text;
    messageLine.textContent = text || "";
  }
  function setState(state) { app.dataset.state = state; }

  function getJSON(url) {
    setState("loading");
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.message || body.error || String(response.status));
        return body;
      });
    }).catch(function (error) {
      say(error.message);
      setState("ready");
      throw error;
    });
  }

  // --- drawing ----------------------------------------------------------------------------
  function countsText(counts) {
    return ORDER.filter(function (k) { return counts && counts[k]; }).map(function (k) {
      return kinds[k].name + " " + counts[k];
    }).join(" · ");
  }
  function total(counts) {
    return Object.keys(counts || {}).reduce(function (sum, k) { return sum + counts[k]; }, 0);
  }
  function tooltip(data) {
    var box = el("div", null, "graph-tip");
    box.appendChild(el("strong", data.label));
    box.appendChild(el("div", kindOf(data.kind).name, "dim"));
    if (data.counts && !expanded[data.id]) box.appendChild(el("div", words.neighbours + "：" + countsText(data.counts)));
    if (data.weighted_degree !== undefined) box.appendChild(el("div", words.weighted_degree + " " + data.weighted_degree));
    return box;
  }
  function hidden(data) {
    if (hiddenKinds[data.kind]) return true;
    var cats = data.categories || [];
    return cats.length > 0 && cats.every(function (c) { return hiddenCategories[c]; });
  }
  function visNode(data) {
    var style = kindOf(data.kind);
    var item = {
      id: data.id, label: short(data.label, 18), title: tooltip(data), shape: style.shape,
      color: { background: style.color, border: style.color }, data: data, hidden: hidden(data)
    };
    if (style.shape === "box") item.font = { color: "#ffffff" };
    if (view === "trace") item.level = { finding: 0, measure: 1, department: 2, document: 2 }[data.kind] || 0;
    if (view === "shared") {
      item.value = data.weighted_degree;
      var colour = COMMUNITY_COLORS[(data.community - 1 + COMMUNITY_COLORS.length) % COMMUNITY_COLORS.length];
      item.color = { background: colour, border: colour };
      item.shape = "dot";
      item.label = short(data.label, 14);
    }
    return item;
  }
  function visEdge(data) {
    var colour = ROLE_COLORS[data.role] || ACTION_COLOR;
    var item = { id: data.id, from: data.from, to: data.to, color: { color: colour }, data: data, title: el("div", data.label) };
    if (data.label && data.role !== "part") item.label = data.label;
    if (view === "construct") item.label = data.label;
    if (data.findings !== undefined) {
      item.value = data.findings;
      item.label = String(data.findings);
      item.title = el("div", words.shared_findings + " " + data.findings);
      item.color = { color: "#7a8a93" };
    }
    if (view === "construct") item.arrows = "to";
    return item;
  }
  // New nodes are laid out by a bounded number of physics steps, then physics stops: a large
  // drawing never keeps the tab busy, and nodes stay where they were put (or dragged).
  function add(data) {
    var fresh = data.nodes.filter(function (n) { return !nodes.get(n.id); });
    if (fresh.length && options.physics !== false) {
      app.dataset.stable = "0";
      network.setOptions({ physics: { enabled: true } });
    }
    nodes.update(fresh.map(visNode));
    edges.update(data.edges.filter(function (e) { return !edges.get(e.id); }).map(visEdge));
    if (fresh.length && options.physics !== false) network.stabilize(nodes.length > 300 ? 60 : 150);
    refreshCategories();
    status();
    setState("ready");
  }
  function replace(data) {
    nodes.clear();
    edges.clear();
    expanded = {};
    add(data);
    network.once("stabilizationIterationsDone", function () { network.fit(); });
    if (view === "trace" || view === "construct") network.fit();
  }
  function status() {
    var visible = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
    statusLine.dataset.nodes = String(nodes.length);
    statusLine.dataset.visible = String(visible);
    statusLine.textContent = words.drawn + " " + nodes.length + "（" + words.visible + " " + visible + "）/ " +
      words.cap + " " + cap;
  }

  // --- legend and filters -------------------------------------------------------------------
  function legend() {
    var box = document.getElementById("legend");
    var list = el("ul", null, "legend");
    var shown = { shared: ["department"], trace: ["finding", "measure", "department", "document"] }[view] || ORDER;
    shown.forEach(function (k) {
      var item = el("li");
      var swatch = el("span", null, "swatch");
      swatch.style.background = kinds[k].color;
      item.appendChild(swatch);
      var text = view === "shared" ? kinds[k].name + "：" + words.weighted_degree + " → 大小 size, " + words.community +
        " → 颜色 colour" : kinds[k].name + "（" + kinds[k].shape + "）";
      item.appendChild(el("span", text));
      list.appendChild(item);
    });
    if (view === "trace" || view === "explorer") {
      ["lead", "partner", "target", "mentioned"].forEach(function (role) {
        var item = el("li");
        var line = el("span", null, "edge-swatch");
        line.style.background = ROLE_COLORS[role];
        item.appendChild(line);
        item.appendChild(el("span", words.roles + "：" + roles[role]));
        list.appendChild(item);
      });
    }
    box.appendChild(list);
    Array.prototype.forEach.call(document.querySelectorAll(".swatch[class*='swatch-']"), function (s) {
      var kind = s.className.replace(/.*swatch-/, "");
      if (kinds[kind]) s.style.background = kinds[kind].color;
    });
  }
  function applyFilters() {
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: hidden(n.data) }; }));
    status();
  }
  function refreshCategories() {
    var box = document.getElementById("category-filters");
    if (!box) return;
    var seen = {};
    nodes.forEach(function (n) { (n.data.categories || []).forEach(function (c) { seen[c] = true; }); });
    var have = {};
    Array.prototype.forEach.call(box.querySelectorAll("input"), function (i) { have[i.dataset.category] = true; });
    Object.keys(seen).sort().forEach(function (title) {
      if (have[title]) return;
      var label = el("label");
      var input = el("input");
      input.type = "checkbox";
      input.checked = !hiddenCategories[title];
      input.dataset.category = title;
      input.addEventListener("change", function () {
        hiddenCategories[title] = !input.checked;
        applyFilters();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + title));
      box.appendChild(label);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("#type-filters input[data-kind]"), function (input) {
    input.addEventListener("change", function () {
      hiddenKinds[input.dataset.kind] = !input.checked;
      applyFilters();
    });
  });

  // --- details panel ----------------------------------------------------------------------
  function panel(title) {
    details.textContent = "";
    details.appendChild(el("h2", words.details));
    details.appendChild(el("h3", title, "detail-label"));
  }
  function evidenceList(items, className) {
    var list = el("ul", null, className);
    (items || []).forEach(function (e) { list.appendChild(el("li", e.sentence, "evidence")); });
    return list;
  }
  function showNode(id) {
    var item = nodes.get(id);
    if (!item) return;
    var data = item.data;
    panel(data.label);
    details.appendChild(el("p", kindOf(data.kind).name, "detail-kind"));
    if (data.categories && data.categories.length) details.appendChild(el("p", data.categories.join("、"), "dim"));
    if (data.counts) {
      var counts = el("p", words.neighbours + "：" + countsText(data.counts), "detail-counts");
      counts.dataset.total = String(total(data.counts));
      details.appendChild(counts);
    }
    if (data.weighted_degree !== undefined) {
      details.appendChild(el("p", words.weighted_degree + " " + data.weighted_degree + " · " + words.community + " " +
        data.community));
    }
    (data.properties || []).forEach(function (p) { details.appendChild(el("p", p[0] + "：" + p[1], "detail-property")); });
    if (data.url) details.appendChild(el("p")).appendChild(link(data.url, words.open_page));
    if (view === "shared" || view === "construct") return;
    var around = network.getConnectedEdges(id).map(function (e) { return edges.get(e); }).filter(function (e) {
      return e && e.data.via;
    }).slice(0, 11);
    var query = new URLSearchParams();
    query.append("iri", id);
    around.forEach(function (e) { query.append("iri", e.data.via); });
    getJSON(api + "/details?" + query).then(function (found) {
      setState("ready");
      if (details.querySelector(".detail-label").textContent !== data.label) return;  // another click came first
      if (found[id] && found[id].length) {
        details.appendChild(el("h4", words.evidence));
        details.appendChild(evidenceList(found[id], "node-evidence"));
      }
      around.forEach(function (e) {
        var other = nodes.get(e.from === id ? e.to : e.from);
        var section = el("div", null, "edge-detail");
        section.appendChild(el("h4", e.data.label + " — " + (other ? other.data.label : "")));
        section.appendChild(evidenceList(found[e.data.via], "edge-evidence"));
        details.appendChild(section);
      });
    });
  }
  function showEdge(id) {
    var item = edges.get(id);
    if (!item) return;
    var data = item.data;
    var a = nodes.get(data.from), b = nodes.get(data.to);
    panel((a ? a.data.label : "") + " — " + (b ? b.data.label : ""));
    if (data.shared) {
      details.appendChild(el("p", words.shared_findings + "：" + data.findings));
      var dossier = link(data.dossier, words.open_dossier + " →");
      dossier.className = "dossier-link";
      details.appendChild(el("p")).appendChild(dossier);
      var list = el("ol", null, "shared-list");
      data.shared.forEach(function (f) {
        var li = el("li");
        li.appendChild(link(f.url, f.number + " " + f.title));
        li.appendChild(el("span", " " + f.report, "dim"));
        li.dataset.number = f.number;
        li.dataset.iri = f.iri;
        list.appendChild(li);
      });
      details.appendChild(list);
      return;
    }
    details.appendChild(el("p", data.label, "detail-kind"));
    if (!data.via) return;
    getJSON(api + "/details?" + new URLSearchParams({ iri: data.via })).then(function (found) {
      setState("ready");
      details.appendChild(el("h4", words.evidence));
      details.appendChild(evidenceList(found[data.via], "edge-evidence"));
    });
  }

  // --- explorer -----------------------------------------------------------------------------
  function expand(id) {
    if (expanded[id]) return;
    if (nodes.length >= cap) {
      say(words.cap_reached + "（" + cap + "）");
      return;
    }
    getJSON(api + "/expand?" + new URLSearchParams({ iri: id, have: String(nodes.length) })).then(function (data) {
      expanded[id] = true;
      var item = nodes.get(id);
      if (item) nodes.update({ id: id, title: tooltip(item.data), borderWidth: 3 });
      add(data);
      say(data.left_out ? words.cap_reached + "：" + data.left_out + " / " + data.total : "");
    });
  }
  function start(iri) {
    getJSON(api + "/node?" + new URLSearchParams({ iri: iri })).then(function (data) {
      add(data);
      showNode(iri);
      network.focus(iri, { scale: 1 });
    });
  }
  function search(event) {
    event.preventDefault();
    var q = document.getElementById("graph-q").value.trim();
    if (!q) return;
    var hits = document.getElementById("graph-hits");
    getJSON(app.dataset.search + "?" + new URLSearchParams({ q: q })).then(function (found) {
      setState("ready");
      hits.textContent = "";
      if (!found.hits.length) hits.appendChild(el("li", words.no_hits, "empty"));
      found.hits.slice(0, 12).forEach(function (h) {
        var li = el("li");
        var button = el("button", short(h.title, 40));
        button.type = "button";
        button.addEventListener("click", function () { start(h.iri); });
        li.appendChild(el("span", (kinds[h.kind] || OTHER).name + " ", "dim"));
        li.appendChild(button);
        hits.appendChild(li);
      });
    });
  }

  // --- export -------------------------------------------------------------------------------
  function download(blob, name) {
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  function exportPng() {
    var source = app.querySelector("#graph canvas");
    var canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height;
    var context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0);
    canvas.toBlob(function (blob) { download(blob, "rectkg-" + view + ".png"); }, "image/png");
  }
  function exportGraphml() {
    var ns = "http://graphml.graphdrawing.org/xmlns";
    var doc = document.implementation.createDocument(ns, "graphml", null);
    var root = doc.documentElement;
    [["label", "node"], ["kind", "node"], ["url", "node"], ["label", "edge"], ["role", "edge"], ["weight", "edge"]]
      .forEach(function (k) {
        var key = doc.createElementNS(ns, "key");
        key.setAttribute("id", k[1] + "_" + k[0]);
        key.setAttribute("for", k[1]);
        key.setAttribute("attr.name", k[0]);
        key.setAttribute("attr.type", k[0] === "weight" ? "double" : "string");
        root.appendChild(key);
      });
    var graph = doc.createElementNS(ns, "graph");
    graph.setAttribute("edgedefault", "undirected");
    root.appendChild(graph);
    function datum(parent, key, value) {
      if (value === undefined || value === null || value === "") return;
      var d = doc.createElementNS(ns, "data");
      d.setAttribute("key", key);
      d.textContent = String(value);
      parent.appendChild(d);
    }
    var shown = {};
    nodes.get({ filter: function (n) { return !n.hidden; } }).forEach(function (n) {
      shown[n.id] = true;
      var node = doc.createElementNS(ns, "node");
      node.setAttribute("id", n.id);
      datum(node, "node_label", n.data.label);
      datum(node, "node_kind", n.data.kind);
      datum(node, "node_url", n.data.url);
      graph.appendChild(node);
    });
    edges.forEach(function (e) {
      if (!shown[e.from] || !shown[e.to]) return;
      var edge = doc.createElementNS(ns, "edge");
      edge.setAttribute("id", e.id);
      edge.setAttribute("source", e.from);
      edge.setAttribute("target", e.to);
      datum(edge, "edge_label", e.data.label);
      datum(edge, "edge_role", e.data.role);
      datum(edge, "edge_weight", e.data.findings);
      graph.appendChild(edge);
    });
    var text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
    download(new Blob([text], { type: "application/graphml+xml" }), "rectkg-" + view + ".graphml");
  }
  document.getElementById("export-png").addEventListener("click", exportPng);
  document.getElementById("export-graphml").addEventListener("click", exportGraphml);

  // --- wiring per view ----------------------------------------------------------------------
  network.on("click", function (event) {
    if (event.nodes.length) {
      showNode(event.nodes[0]);
      if (view === "explorer") expand(event.nodes[0]);
    } else if (event.edges.length) {
      showEdge(event.edges[0]);
    }
  });
  network.on("stabilizationIterationsDone", function () {
    if (options.physics !== false) network.setOptions({ physics: { enabled: false } });
    app.dataset.stable = "1";
  });
  legend();

  if (view === "explorer") {
    document.getElementById("graph-search").addEventListener("submit", search);
    document.getElementById("show-all").addEventListener("click", function () {
      getJSON(api + "/all").then(function (data) {
        replace(data);
        data.nodes.forEach(function (n) { expanded[n.id] = true; });
        say("");
      });
    });
    document.getElementById("clear").addEventListener("click", function () { replace({ nodes: [], edges: [] }); });
    if (params.start) start(params.start);
    else setState("ready");
  } else if (view === "shared") {
    var picker = document.getElementById("department-picker");
    var filled = false;
    var load = function () {
      var chosen = filled ? picker.value : params.department;
      var query = chosen ? "?" + new URLSearchParams({ department: chosen }) : "";
      getJSON(api + "/shared" + query).then(function (data) {
        if (!filled) {
          filled = true;
          data.departments.forEach(function (d) {
            var option = el("option", d.label);
            option.value = d.id;
            picker.appendChild(option);
          });
          if (params.department) picker.value = params.department;
        }
        replace(data);
      });
    };
    picker.addEventListener("change", load);
    load();
  } else if (view === "trace") {
    getJSON(api + "/trace?" + new URLSearchParams({ finding: params.finding })).then(replace);
  } else if (view === "construct") {
    getJSON(api + "/construct" + window.location.search).then(replace);
  }
})();
