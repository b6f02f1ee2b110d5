// The graph views (/graph): explorer, shared responsibility, finding trace and CONSTRUCT answers,
// drawn with vis-network (served by the app from the pyvis package). Everything taken from the
// graph is text: labels are canvas text, tooltips and the details panel are DOM nodes filled with
// textContent, so a title such as `<img src=x onerror=…> href` is shown, never run.
// The view's state (start node, expanded nodes, filters, chosen department) lives in the URL:
// each change pushes a history entry, and loading or going back rebuilds the view from the URL.
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
  var roles = JSON.parse(app.dataset.roles);
  var palette = JSON.parse(app.dataset.palette);
  var statusLine = document.getElementById("graph-status");
  var messageLine = document.getElementById("graph-message");
  var details = document.getElementById("details");
  var ROLE_COLORS = {
    lead: "#c0392b", partner: "#e67e22", target: "#2980b9", mentioned: "#95a5a6",
    issuer: "#7a1f1f", inspector: "#7a1f1f", inspectedBody: "#7a1f1f", part: "#b0b7bb"
  };
  var ACTION_COLOR = "#8e44ad";
  var CHOSEN_BORDER = "#111111";
  var READABLE_SCALE = 0.7;  // below this, 16–18 px labels are too small to read
  var OTHER = { name: "—", color: "#555555", shape: "ellipse" };
  var ORDER = ["report", "category", "group", "finding", "measure", "department", "document", "quantity"];
  var SHARED_PARAMS = ["department", "report", "place", "role", "min", "top"];
  var ROLES = ["lead", "partner", "target", "mentioned"];

  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var expanded = {};
  var more = {};
  var state = readState();
  var options = {
    interaction: { hover: true, tooltipDelay: 150 },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 150 } },
    layout: { improvedLayout: false },
    nodes: { font: { size: 16, color: "#1d2428" }, size: 16, scaling: { label: { enabled: true, min: 14, max: 24 } } },
    edges: { font: { size: 12, align: "middle", color: "#444" }, smooth: false, color: { inherit: false } }
  };
  if (view === "shared") {  // sized by shared findings: the smallest name still readable when fitted
    options.nodes.scaling = { min: 10, max: 40, label: { enabled: true, min: 18, max: 30 } };
    options.physics.forceAtlas2Based = { gravitationalConstant: -90, springLength: 110 };
  }
  if (view === "trace") {
    options.layout = { hierarchical: { direction: "LR", levelSeparation: 220, nodeSpacing: 70, sortMethod: "directed" } };
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
  function fill(template, values) {  // "{cap}" → values.cap
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }
  function each(selector, action) { Array.prototype.forEach.call(document.querySelectorAll(selector), action); }
  function kindOf(kind) { return kinds[kind] || OTHER; }
  function say(text) {
    messageLine.hidden = !text;
    messageLine.textContent = text || "";
  }
  function setState(value) { app.dataset.state = value; }
  function communityColour(n) { return palette[(n - 1 + palette.length) % palette.length]; }

  // An answer's error in the page's words: a node-cap refusal with its numbers, else the server's text.
  function failure(body, status) {
    if (body.error === "node-cap") return fill(words.over_cap, body);
    if (status === 404) return words.not_found;
    return body.message || body.error || String(status);
  }
  function getJSON(url) {
    setState("loading");
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(failure(body, response.status));
        return body;
      });
    }).catch(function (error) {
      say(error.message);
      setState("ready");
      throw error;
    });
  }

  // --- the URL holds the view's state ---------------------------------------------------------
  function readState() {
    var q = new URLSearchParams(window.location.search);
    var read = {
      start: q.has("start") ? q.get("start") : params.start || "",
      open: q.getAll("open"),
      all: q.get("all") === "1",
      hide: q.getAll("hide"),
      hideRole: q.getAll("hide_role"),
      hideCategory: q.getAll("hide_category")
    };
    SHARED_PARAMS.forEach(function (k) { read[k] = q.get(k) || params[k] || ""; });
    return read;
  }
  function stateQuery() {
    var q = new URLSearchParams();
    if (view === "explorer") {
      q.set("start", state.start);
      state.open.forEach(function (iri) { q.append("open", iri); });
      if (state.all) q.set("all", "1");
      state.hide.forEach(function (k) { q.append("hide", k); });
      state.hideRole.forEach(function (r) { q.append("hide_role", r); });
      state.hideCategory.forEach(function (c) { q.append("hide_category", c); });
    } else if (view === "shared") {
      SHARED_PARAMS.forEach(function (k) { if (state[k] && state[k] !== sharedDefault(k)) q.set(k, state[k]); });
    } else if (view === "trace") {  // the finding (and language) as given, with the nodes expanded since
      q = new URLSearchParams(window.location.search);
      q.delete("open");
      state.open.forEach(function (iri) { q.append("open", iri); });
      return q;
    } else {
      return new URLSearchParams(window.location.search);
    }
    var lang = new URLSearchParams(window.location.search).get("lang");
    if (lang) q.set("lang", lang);
    return q;
  }
  // A new history entry (or, for the first drawing, the current one) for the state as it is now.
  function record(replaceCurrent) {
    var query = String(stateQuery());
    var url = window.location.pathname + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
      window.history[replaceCurrent ? "replaceState" : "pushState"](null, "", url);
    }
    each("nav .lang a", function (a) {  // the language switch keeps this state too
      var q = stateQuery();
      q.set("lang", a.classList.contains("lang-en") ? "en" : "zh");
      a.href = window.location.pathname + "?" + q;
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
    if (data.counts && !expanded[data.id]) box.appendChild(el("div", words.neighbours + words.colon + countsText(data.counts)));
    if (data.weighted_degree !== undefined) box.appendChild(el("div", words.weighted_degree + " " + data.weighted_degree));
    return box;
  }
  function chosen(data) {
    return data.centre || (view === "explorer" && data.id === state.start);
  }
  function visNode(data) {
    var style = kindOf(data.kind);
    var item = {
      id: data.id, label: short(data.label, 16), title: tooltip(data), shape: style.shape,
      color: { background: style.color, border: style.color }, data: data, hidden: nodeHidden(data, [])
    };
    if (style.shape === "box") item.font = { color: "#ffffff" };
    if (view === "trace") item.level = { finding: 0, measure: 1, department: 2, document: 2 }[data.kind] || 0;
    if (view === "shared") {
      var colour = communityColour(data.community);
      item.value = data.weighted_degree;
      item.color = { background: colour, border: colour };
      item.shape = "dot";
      item.label = short(data.label, 14);
    }
    if (chosen(data)) {
      item.borderWidth = 5;
      item.color = { background: item.color.background, border: CHOSEN_BORDER };
      item.font = { size: 18, bold: true };
    }
    return item;
  }
  function visEdge(data) {
    var colour = ROLE_COLORS[data.role] || ACTION_COLOR;
    var item = {
      id: data.id, from: data.from, to: data.to, color: { color: colour }, data: data, title: el("div", data.label),
      hidden: edgeHidden(data)
    };
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
    applyFilters();
    legend();
    setState("ready");
  }
  // Fit the drawing to the window, but never so small that labels cannot be read: a large drawing
  // is shown around its chosen node (or its middle) at a readable size, to be panned.
  function fitReadable() {
    network.fit();
    network.moveTo({ scale: network.getScale() * 0.85 });  // room for the labels of nodes at the edges
    if (network.getScale() >= READABLE_SCALE) return;
    var centre = nodes.get({ filter: function (n) { return chosen(n.data); } })[0];
    var position = centre ? network.getPositions([centre.id])[centre.id] : network.getViewPosition();
    network.moveTo({ scale: READABLE_SCALE, position: position });
  }
  function replace(data) {
    nodes.clear();
    edges.clear();
    expanded = {};
    more = {};
    clearDetails();
    add(data);
    network.once("stabilizationIterationsDone", fitReadable);
    if (options.physics === false) network.once("afterDrawing", fitReadable);  // once laid out
  }
  function status() {
    var visible = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
    statusLine.dataset.nodes = String(nodes.length);
    statusLine.dataset.visible = String(visible);
    statusLine.textContent = fill(words.drawn, { nodes: nodes.length, visible: visible, cap: cap });
  }

  // --- legend: one list of entries, drawn on the page and into the exported picture -----------
  function kindsShown() {
    if (view === "explorer") return ORDER;
    var present = {};
    nodes.forEach(function (n) { present[n.data.kind] = true; });
    return ORDER.filter(function (k) { return present[k]; }).concat(present.other ? ["other"] : []);
  }
  function communities() {
    var members = {};
    nodes.forEach(function (n) { (members[n.data.community] = members[n.data.community] || []).push(n.data); });
    return Object.keys(members).sort(function (a, b) { return a - b; }).map(function (c) {
      var names = members[c].sort(function (a, b) { return b.weighted_degree - a.weighted_degree; })
        .slice(0, 2).map(function (d) { return short(d.label, 10); });
      return { shape: "dot", colour: communityColour(Number(c)), text: words.community + " " + c + words.colon +
        names.join(words.and) + (members[c].length > 2 ? "…" : "") };
    });
  }
  function legendEntries() {
    if (view === "shared") {
      return [{ shape: "dot", colour: "#7a8a93", text: words.size_means }]
        .concat([{ text: words.colour_means }], communities())
        .concat([{ line: "#7a8a93", text: words.width_means }, { shape: "dot", colour: "#ffffff", border: CHOSEN_BORDER,
          text: words.chosen }]);
    }
    var entries = kindsShown().map(function (k) {
      var style = kindOf(k);
      return { shape: style.shape, colour: style.color, text: style.name };
    });
    if (view === "construct") return entries;
    ROLES.forEach(function (role) {
      entries.push({ line: ROLE_COLORS[role], text: words.roles + words.colon + roles[role] });
    });
    entries.push({ line: ROLE_COLORS.part, text: words.structure }, { line: ACTION_COLOR, text: words.cites });
    if (view === "explorer") entries.push({ shape: "dot", colour: "#ffffff", border: CHOSEN_BORDER, text: words.expanded_means });
    return entries;
  }
  function swatch(entry) {
    if (entry.line) {
      var line = el("span", null, "edge-swatch");
      line.style.background = entry.line;
      return line;
    }
    var mark = el("span", null, entry.shape ? "swatch shape-" + entry.shape : "");
    if (entry.shape) mark.style.background = entry.colour;
    if (entry.border) mark.style.boxShadow = "inset 0 0 0 3px " + entry.border;
    return mark;
  }
  function legend() {
    var box = document.getElementById("legend");
    var list = box.querySelector("ul.legend") || box.appendChild(el("ul", null, "legend"));
    list.textContent = "";
    legendEntries().forEach(function (entry) {
      var item = el("li");
      item.appendChild(swatch(entry));
      item.appendChild(el("span", entry.text));
      list.appendChild(item);
    });
  }
  each(".swatch[data-colour]", function (s) { s.style.background = s.dataset.colour; });
  each(".edge-swatch[class*='role-']", function (s) { s.style.background = ROLE_COLORS[s.className.replace(/.*role-/, "")]; });

  // --- explorer filters: node types, roles, categories --------------------------------------
  function edgeHidden(data) { return state.hideRole.indexOf(data.role) >= 0; }
  // A node is hidden by its type or categories; a department also when every edge it has drawn
  // is of a hidden role (it is only, say, mentioned), unless it is the one the view started from.
  function nodeHidden(data, around) {
    if (state.hide.indexOf(data.kind) >= 0) return true;
    var cats = data.categories || [];
    if (cats.length && cats.every(function (c) { return state.hideCategory.indexOf(c) >= 0; })) return true;
    var roleEdges = around.filter(function (e) { return roles[e.data.role]; });
    return data.kind === "department" && !chosen(data) && roleEdges.length > 0 &&
      roleEdges.every(function (e) { return e.hidden; });
  }
  function applyFilters() {
    if (view === "explorer") {
      edges.update(edges.get().map(function (e) { return { id: e.id, hidden: edgeHidden(e.data) }; }));
      nodes.update(nodes.get().map(function (n) {
        var around = network.getConnectedEdges(n.id).map(function (id) { return edges.get(id); });
        return { id: n.id, hidden: nodeHidden(n.data, around) };
      }));
    }
    status();
  }
  function toggle(list, value, on) {
    var at = list.indexOf(value);
    if (on && at < 0) list.push(value);
    if (!on && at >= 0) list.splice(at, 1);
  }
  // A filter's checkbox: ticked while `value` is not in the state's list `key` of hidden things.
  function filterBox(input, key, value) {
    input.checked = state[key].indexOf(value) < 0;
    input.addEventListener("change", function () {
      toggle(state[key], value, !input.checked);
      applyFilters();
      record(false);
    });
  }
  function refreshCategories() {
    var box = document.getElementById("category-filters");
    if (!box) return;
    var seen = {};
    nodes.forEach(function (n) { (n.data.categories || []).forEach(function (c) { seen[c] = true; }); });
    var have = {};
    each("#category-filters input", function (i) { have[i.dataset.category] = true; });
    Object.keys(seen).sort().forEach(function (title) {
      if (have[title]) return;
      var label = el("label");
      var input = el("input");
      input.type = "checkbox";
      input.dataset.category = title;
      filterBox(input, "hideCategory", title);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + title));
      box.appendChild(label);
    });
  }
  function syncFilters() {
    each("#type-filters input[data-kind]", function (i) { i.checked = state.hide.indexOf(i.dataset.kind) < 0; });
    each("#role-filters input[data-role]", function (i) { i.checked = state.hideRole.indexOf(i.dataset.role) < 0; });
    each("#category-filters label", function (l) { l.remove(); });
  }
  if (view === "explorer") {
    each("#type-filters input[data-kind]", function (i) { filterBox(i, "hide", i.dataset.kind); });
    each("#role-filters input[data-role]", function (i) { filterBox(i, "hideRole", i.dataset.role); });
  }

  // --- details panel ----------------------------------------------------------------------
  function clearDetails() {
    details.textContent = "";
    details.appendChild(el("h2", words.details));
  }
  function panel(title) {
    clearDetails();
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
    if (data.categories && data.categories.length) details.appendChild(el("p", data.categories.join(words.and), "dim"));
    if (data.counts) {
      var counts = el("p", words.neighbours + words.colon + countsText(data.counts), "detail-counts");
      counts.dataset.total = String(total(data.counts));
      details.appendChild(counts);
    }
    if (data.weighted_degree !== undefined) {
      details.appendChild(el("p", words.weighted_degree + " " + data.weighted_degree + " · " + words.community + " " +
        data.community));
    }
    (data.properties || []).forEach(function (p) { details.appendChild(el("p", p[0] + words.colon + p[1], "detail-property")); });
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
    if (view === "shared") {
      details.appendChild(el("p", words.shared_findings + words.colon + data.findings));
      var dossier = link(data.dossier, words.open_dossier + " →");
      dossier.className = "dossier-link";
      details.appendChild(el("p")).appendChild(dossier);
      var query = new URLSearchParams({ a: data.from, b: data.to });
      SHARED_PARAMS.forEach(function (k) { if (state[k]) query.set(k, state[k]); });
      getJSON(api + "/shared/edge?" + query).then(function (shared) {
        setState("ready");
        if (!details.contains(dossier)) return;  // another click since
        var list = el("ol", null, "shared-list");
        shared.forEach(function (f) {
          var li = el("li");
          li.appendChild(link(f.url, f.number + " " + f.title));
          li.appendChild(el("span", " " + f.report, "dim"));
          li.dataset.number = f.number;
          li.dataset.iri = f.iri;
          list.appendChild(li);
        });
        details.appendChild(list);
      });
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
  // A click adds a page of neighbours; a node with more (`more[id]`, the next page's offset)
  // adds the next page on its next click.
  function expand(id) {
    if (expanded[id] && more[id] === undefined) return Promise.resolve();
    if (nodes.length >= cap) {
      say(fill(words.cap_full, { cap: cap }));
      return Promise.resolve();
    }
    var query = { iri: id, have: String(nodes.length), offset: String(more[id] || 0) };
    return getJSON(api + "/expand?" + new URLSearchParams(query)).then(function (data) {
      expanded[id] = true;
      if (data.next === null || data.next === undefined || nodes.length + data.nodes.length >= cap) delete more[id];
      else more[id] = data.next;
      toggle(state.open, id, true);
      var item = nodes.get(id);
      if (item) nodes.update({ id: id, title: tooltip(item.data), borderWidth: chosen(item.data) ? 5 : 3 });
      add(data);
      if (more[id] !== undefined) say(fill(words.more, { shown: data.next, total: data.total, left: data.left_out }));
      else say(data.left_out ? fill(words.cap_reached, { cap: cap, left: data.left_out }) : "");
    });
  }
  function start(iri) {
    return getJSON(api + "/node?" + new URLSearchParams({ iri: iri })).then(function (data) {
      replace(data);
      showNode(iri);
      network.focus(iri, { scale: 1 });
    });
  }
  function showAll() {
    return getJSON(api + "/all?cut=1").then(function (data) {
      replace(data);
      data.nodes.forEach(function (n) { expanded[n.id] = true; });
      say(data.left_out.nodes ? fill(words.cut_all, { total: data.total, cap: cap, nodes: data.left_out.nodes,
        edges: data.left_out.edges }) : "");
    });
  }
  // After `first` (the drawing the view starts from), each node the URL says was expanded, in turn.
  function expandInTurn(first) {
    var open = state.open.slice();
    state.open = [];
    return open.reduce(function (chain, iri) {
      return chain.then(function () { return expand(iri); });
    }, first);
  }
  // The explorer as the URL says: the start node, then each expanded node in turn (or everything).
  function restoreExplorer() {
    syncFilters();
    replace({ nodes: [], edges: [] });
    say("");
    if (state.all) return showAll();
    if (!state.start) return setState("ready");
    return expandInTurn(start(state.start));
  }
  // The finding's trace (its measures, their departments and documents), then what was expanded.
  function restoreTrace() {
    say("");
    return expandInTurn(getJSON(api + "/trace?" + new URLSearchParams({ finding: params.finding })).then(replace));
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
        button.addEventListener("click", function () { startAfresh(h.iri); });
        li.appendChild(el("span", (kinds[h.kind] || OTHER).name + " ", "dim"));
        li.appendChild(button);
        hits.appendChild(li);
      });
    });
  }
  function startAfresh(iri) {
    state.start = iri;
    state.open = [];
    state.all = false;
    record(false);
    start(iri);
  }

  // --- shared responsibility ------------------------------------------------------------------
  function choices(picker, items) {
    if (picker.options.length > 1) return;
    items.forEach(function (item) {
      var option = el("option", item.label === undefined ? item : item.label);
      option.value = item.id === undefined ? item : item.id;
      picker.appendChild(option);
    });
  }
  // What a shared-network filter is when the URL leaves it out: "1" shared finding at least, the
  // page's default number of departments drawn, else none.
  function sharedDefault(param) {
    if (param === "min") return "1";
    var control = document.querySelector('#shared-filters [data-param="' + param + '"]');
    return (control && control.dataset.default) || "";
  }
  function syncControls(data) {
    choices(document.getElementById("department-picker"), data.departments);
    choices(document.getElementById("report-picker"), data.reports);
    choices(document.getElementById("place-picker"), data.places);
    each("#shared-filters [data-param]", function (control) {
      var wanted = state[control.dataset.param];
      var match = Array.prototype.find.call(control.options || [], function (o) {
        return o.value === wanted || o.textContent === wanted;
      });
      if (!match && wanted && control.dataset.param === "top") {  // a number the URL asks for, not offered
        match = el("option", wanted);
        match.value = wanted;
        control.appendChild(match);
      }
      control.value = match ? match.value : wanted || sharedDefault(control.dataset.param);
    });
  }
  var sharedCut = 0;  // departments drawn when the network is cut to those sharing the most, else 0
  function loadShared() {
    var query = new URLSearchParams();
    SHARED_PARAMS.forEach(function (k) { if (state[k]) query.set(k, state[k]); });
    say("");
    return getJSON(api + "/shared?" + query).then(function (data) {
      syncControls(data);
      replace(data);
      sharedCut = data.left_out.nodes ? data.nodes.length : 0;
      var said = [];
      if (data.stale) said.push(words.stale);
      if (!data.edges.length && !data.left_out.edges) said.push(words.nothing_shared);
      else if (data.left_out.nodes) said.push(fill(words.shared_cut, { total: data.total, shown: data.nodes.length,
        nodes: data.left_out.nodes, edges: data.left_out.edges }));
      say(said.join(" "));
      var centre = data.nodes.filter(function (n) { return n.centre; })[0];
      if (centre) showNode(centre.id);
    }, function () { replace({ nodes: [], edges: [] }); });
  }
  function chooseShared(param, value) {
    state[param] = value;
    record(false);
    loadShared();
  }

  // --- export: a picture with its title, filters and legend; GraphML/GEXF of what is shown -----
  function download(blob, name) {
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  function labelOf(iri) {
    var item = nodes.get(iri);
    return item ? item.data.label : iri;
  }
  function selectedText(id) {
    var select = document.getElementById(id);
    return select && select.value ? select.options[select.selectedIndex].textContent : "";
  }
  // What the picture shows, in words: the view's choices and filters, one phrase each.
  function filterPhrases() {
    var parts = [];
    if (view === "explorer") {
      if (state.all) parts.push(words.all);
      else if (state.start) parts.push(words.start + words.colon + labelOf(state.start));
      var hidden = state.hide.map(function (k) { return kindOf(k).name; })
        .concat(state.hideRole.map(function (r) { return roles[r]; }), state.hideCategory);
      if (hidden.length) parts.push(words.hidden + words.colon + hidden.join(words.and));
    } else if (view === "shared") {
      [["department-picker", words.department], ["report-picker", words.report], ["place-picker", words.place],
        ["role-picker", words.role_both]]
        .forEach(function (p) { if (selectedText(p[0])) parts.push(p[1] + words.colon + short(selectedText(p[0]), 40)); });
      if (Number(state.min) > 1) parts.push(words.least + words.colon + state.min);
      if (sharedCut) parts.push(fill(words.top_drawn, { n: sharedCut }));
    } else if (view === "trace") {
      parts.push(labelOf(params.finding));
    }
    return parts;
  }
  // Phrases joined by " · " into lines no wider than `width` (a phrase never split).
  function wrap(context, phrases, width) {
    return phrases.reduce(function (lines, phrase) {
      var last = lines[lines.length - 1];
      if (last && context.measureText(last + " · " + phrase).width <= width) lines[lines.length - 1] = last + " · " + phrase;
      else lines.push(phrase);
      return lines;
    }, []);
  }
  // Corners of the node shapes on a unit square, as vis-network draws them (round ones are arcs).
  var CORNERS = {
    diamond: [[0, -1], [1, 0], [0, 1], [-1, 0]], triangle: [[0, -1], [1, 1], [-1, 1]],
    triangleDown: [[0, 1], [1, -1], [-1, -1]], hexagon: [[1, 0], [0.5, 0.87], [-0.5, 0.87], [-1, 0], [-0.5, -0.87], [0.5, -0.87]],
    star: [[0, -1], [0.24, -0.31], [0.95, -0.31], [0.38, 0.12], [0.59, 0.81], [0, 0.38], [-0.59, 0.81], [-0.38, 0.12],
      [-0.95, -0.31], [-0.24, -0.31]],
    square: [[-1, -1], [1, -1], [1, 1], [-1, 1]], box: [[-1.4, -0.8], [1.4, -0.8], [1.4, 0.8], [-1.4, 0.8]]
  };
  function drawShape(context, entry, x, y, r) {
    context.fillStyle = entry.colour;
    context.beginPath();
    if (CORNERS[entry.shape]) {
      CORNERS[entry.shape].forEach(function (p) { context.lineTo(x + p[0] * r, y + p[1] * r); });
    } else {
      context.arc(x, y, r, 0, 2 * Math.PI);
    }
    context.closePath();
    context.fill();
    if (entry.border) {
      context.lineWidth = r / 2;
      context.strokeStyle = entry.border;
      context.stroke();
    }
  }
  // Legend entries laid out in rows across the picture's width; returns the rows' height.
  function drawLegend(context, entries, width, top, unit, paint) {
    var x = unit, y = top + unit;
    context.font = Math.round(0.9 * unit) + "px sans-serif";
    entries.forEach(function (entry) {
      var wide = 1.8 * unit + context.measureText(entry.text).width + unit;
      if (x + wide > width && x > unit) { x = unit; y += 1.6 * unit; }
      if (paint) {
        if (entry.line) {
          context.fillStyle = entry.line;
          context.fillRect(x, y - unit / 8, 1.4 * unit, unit / 4);
        } else if (entry.shape) {
          drawShape(context, entry, x + 0.6 * unit, y, 0.5 * unit);
        }
        context.fillStyle = "#1d2428";
        context.textBaseline = "middle";
        context.fillText(entry.text, x + 1.8 * unit, y);
      }
      x += wide;
    });
    return y - top + unit;
  }
  function exportPng() {
    var source = app.querySelector("#graph canvas");
    var unit = 16 * (source.width / source.clientWidth || 1);
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d");
    var entries = legendEntries();
    context.font = Math.round(unit) + "px sans-serif";
    var filters = wrap(context, filterPhrases(), source.width - 2 * unit);
    var head = (3.2 + 1.5 * filters.length) * unit;
    var legendHeight = drawLegend(context, entries, source.width, 0, unit, false);
    canvas.width = source.width;
    canvas.height = head + source.height + legendHeight + unit;
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#7a1f1f";
    context.textBaseline = "top";
    context.font = "bold " + Math.round(1.4 * unit) + "px sans-serif";
    context.fillText(words[view] + "　" + new Date().toISOString().slice(0, 10), unit, unit);
    context.fillStyle = "#1d2428";
    context.font = Math.round(unit) + "px sans-serif";
    filters.forEach(function (line, n) { context.fillText(line, unit, (2.9 + 1.5 * n) * unit); });
    context.drawImage(source, 0, head);
    drawLegend(context, entries, source.width, head + source.height, unit, true);
    canvas.toBlob(function (blob) { download(blob, "rectkg-" + view + ".png"); }, "image/png");
  }
  function shownGraph() {
    var shown = {};
    var out = { view: view, nodes: [], edges: [] };
    nodes.get({ filter: function (n) { return !n.hidden; } }).forEach(function (n) {
      shown[n.id] = true;
      var d = n.data;
      out.nodes.push({ id: d.id, label: d.label, kind: d.kind, url: d.url, community: d.community,
        weighted_degree: d.weighted_degree });
    });
    edges.get({ filter: function (e) { return !e.hidden && shown[e.from] && shown[e.to]; } }).forEach(function (e) {
      out.edges.push({ id: e.id, from: e.from, to: e.to, label: e.data.label, role: e.data.role,
        findings: e.data.findings });
    });
    return out;
  }
  function exportFile(format) {
    fetch(api + "/export." + format, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(shownGraph())
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (body) { say(failure(body, response.status)); });
      return response.blob().then(function (blob) { download(blob, "rectkg-" + view + "." + format); });
    });
  }
  document.getElementById("export-png").addEventListener("click", exportPng);
  document.getElementById("export-graphml").addEventListener("click", function () { exportFile("graphml"); });
  document.getElementById("export-gexf").addEventListener("click", function () { exportFile("gexf"); });

  // --- wiring per view ----------------------------------------------------------------------
  network.on("click", function (event) {
    if (event.nodes.length) {
      var id = event.nodes[0];
      showNode(id);
      var expands = view === "explorer" || view === "trace";
      if (expands && (!expanded[id] || more[id] !== undefined)) expand(id).then(function () { record(false); });
      if (view === "shared" && !nodes.get(id).data.centre) chooseShared("department", id);
    } else if (event.edges.length) {
      showEdge(event.edges[0]);
    }
  });
  network.on("stabilizationIterationsDone", function () {
    if (options.physics !== false) network.setOptions({ physics: { enabled: false } });
    app.dataset.stable = "1";
  });

  if (view === "explorer") {
    document.getElementById("graph-search").addEventListener("submit", search);
    document.getElementById("show-all").addEventListener("click", function () {
      state.all = true;
      state.open = [];
      record(false);
      showAll();
    });
    document.getElementById("clear").addEventListener("click", function () {
      state.start = "";
      state.open = [];
      state.all = false;
      record(false);
      restoreExplorer();
    });
    window.addEventListener("popstate", function () { state = readState(); restoreExplorer(); });
    record(true);
    restoreExplorer();
  } else if (view === "shared") {
    each("#shared-filters [data-param]", function (control) {
      control.addEventListener("change", function () { chooseShared(control.dataset.param, control.value); });
    });
    window.addEventListener("popstate", function () { state = readState(); loadShared(); });
    record(true);
    loadShared();
  } else if (view === "trace") {
    window.addEventListener("popstate", function () { state = readState(); restoreTrace(); });
    record(true);
    restoreTrace();
  } else if (view === "construct") {
    getJSON(api + "/construct" + window.location.search).then(replace);
  }
})();
