/* The sample browser of report.html. It reads the gzip+base64 blob written by
   harness/report/sample_data.py, filters in memory (task, group, outcome, free text), and renders
   one page of samples at a time; details are built only when a sample is opened. Model text is
   only ever inserted as text nodes, never as HTML, and bidi controls in it (U+202A-U+202E,
   U+2066-U+2069) are shown as visible escapes, so no id or answer can reorder what surrounds it.
   State lives in the URL hash, so a filtered view can be linked (the compare page of `harness view`
   links to report.html#id=...); a hash that is not valid percent-encoding is read as literal text. */
(function () {
  "use strict";
  var PAGE = 50, SHOW = 1500;
  var OUTCOMES = ["right", "wrong", "unparseable", "truncated", "error", "control"];
  /* Sortable tables (leaderboard, run index): click a header; numbers sort as numbers. */
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.dataset.dir !== "asc", body = table.tBodies[0];
        table.querySelectorAll("thead th").forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = asc ? "asc" : "desc";
        var key = function (tr) { var c = tr.cells[col]; return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent; };
        Array.prototype.slice.call(body.rows).sort(function (a, b) {
          var x = key(a).trim(), y = key(b).trim(), nx = Number(x), ny = Number(y), r;
          if (x === "" || y === "") { return (x === "") - (y === ""); }  /* blanks last either way */
          r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, undefined, { numeric: true });
          return asc ? r : -r;
        }).forEach(function (tr) { body.appendChild(tr); });
      });
    });
  });
  var blob = document.getElementById("sample-data");
  if (!blob) { document.body.dataset.ready = "1"; return; }
  var D = null, hay = null, matches = [], page = 0, opened = {}, onlyId = null;
  var $ = function (id) { return document.getElementById(id); };

  var BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
  function visible(text) {
    return String(text).replace(BIDI, function (c) { return "\\u" + c.charCodeAt(0).toString(16); });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = visible(text); }
    return e;
  }
  function textNode(text) { return document.createTextNode(visible(text)); }
  function str(i) { return D.strings[i]; }
  function shown(answer) { return answer === null ? "(none)" : answer; }

  function longText(text) {
    var box = el("div"), pre = el("pre", "txt");
    box.appendChild(pre);
    text = visible(text);
    if (text.length <= SHOW) { pre.textContent = text; return box; }
    pre.textContent = text.slice(0, SHOW) + " ...";
    var b = el("button", "more", "show all " + text.length.toLocaleString() + " characters");
    b.type = "button";
    b.addEventListener("click", function () {
      var full = pre.textContent.length < text.length;
      pre.textContent = full ? text : text.slice(0, SHOW) + " ...";
      b.textContent = full ? "show less" : "show all " + text.length.toLocaleString() + " characters";
    });
    box.appendChild(b);
    return box;
  }

  async function inflate(b64) {
    var bin = atob(b64.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function haystack(i) {
    if (hay[i] !== undefined) { return hay[i]; }
    var s = D.samples[i], parts = [s.i, D.tasks[s.t]];
    s.p.forEach(function (turn) { parts.push(str(turn[1])); });
    (s.r || []).forEach(function (k) { parts.push(str(k)); });
    (s.c || []).forEach(function (k) { parts.push(str(k)); });
    parts.push(s.a.filter(function (a) { return a !== null; }).join(" "), s.y || "", s.e || "", s.g.join(" "));
    return (hay[i] = parts.join("\n").toLowerCase());
  }

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }  /* "%E0%A4%A", "%": taken literally */
  }
  function readHash() {
    var st = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) { return; }
      var p = kv.split("="), key = decode(p[0]);
      if (["task", "group", "outcome", "q", "id"].indexOf(key) >= 0) { st[key] = decode(p.slice(1).join("=")); }
    });
    return st;
  }
  function writeHash() {
    var st = [], outs = checkedOutcomes();
    if ($("f-task").value) { st.push("task=" + encodeURIComponent($("f-task").value)); }
    if ($("f-group").value) { st.push("group=" + encodeURIComponent($("f-group").value)); }
    if (outs.length !== OUTCOMES.length) { st.push("outcome=" + outs.join(",")); }
    if ($("f-text").value) { st.push("q=" + encodeURIComponent($("f-text").value)); }
    if (onlyId !== null) { st.push("id=" + encodeURIComponent(onlyId)); }
    history.replaceState(null, "", st.length ? "#" + st.join("&") : location.pathname + location.search);
  }
  function checkedOutcomes() {
    return Array.prototype.filter.call(document.querySelectorAll("input[name=outcome]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function fillGroups() {
    var t = $("f-task").value, seen = {}, sel = $("f-group"), keep = sel.value;
    D.samples.forEach(function (s) {
      if (t !== "" && D.tasks[s.t] !== t) { return; }
      s.g.forEach(function (g) { seen[g] = true; });
    });
    while (sel.options.length > 1) { sel.remove(1); }
    Object.keys(seen).sort(function (a, b) { return a.localeCompare(b, undefined, { numeric: true }); })
      .forEach(function (g) { sel.add(new Option(visible(g), g)); });
    sel.value = seen[keep] ? keep : "";
  }

  function apply(resetPage) {
    var t = $("f-task").value, g = $("f-group").value, q = $("f-text").value.trim().toLowerCase();
    var outs = {}, counts = {};
    checkedOutcomes().forEach(function (o) { outs[o] = true; });
    OUTCOMES.forEach(function (o) { counts[o] = 0; });
    matches = [];
    for (var i = 0; i < D.samples.length; i++) {
      var s = D.samples[i];
      if (t !== "" && D.tasks[s.t] !== t) { continue; }
      if (g !== "" && s.g.indexOf(g) < 0) { continue; }
      if (onlyId !== null && s.i !== onlyId) { continue; }
      if (q !== "" && haystack(i).indexOf(q) < 0) { continue; }
      counts[s.o] += 1;
      if (outs[s.o]) { matches.push(i); }
    }
    OUTCOMES.forEach(function (o) {
      var c = document.querySelector("[data-outcome-count=" + o + "]");
      if (c) { c.textContent = "(" + counts[o].toLocaleString() + ")"; }
    });
    if (resetPage) { page = 0; }
    render();
    writeHash();
  }

  function render() {
    var list = $("list"), pages = Math.max(1, Math.ceil(matches.length / PAGE));
    page = Math.min(page, pages - 1);
    list.textContent = "";
    var frag = document.createDocumentFragment();
    matches.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) { frag.appendChild(card(i)); });
    list.appendChild(frag);
    $("status").textContent = matches.length.toLocaleString() + " of " + D.samples.length.toLocaleString() +
      " samples match" + (matches.length > PAGE ? "; showing " + (page * PAGE + 1) + "-" +
      Math.min(matches.length, (page + 1) * PAGE) : "") + (onlyId !== null ? " (only sample " + visible(onlyId) + "; type in the search box to clear)" : "");
    $("status").dataset.matches = String(matches.length);
    $("page").textContent = "page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  function card(i) {
    var s = D.samples[i], art = el("article", "sample o-" + s.o), sum = el("div", "sum");
    art.dataset.id = s.i; art.dataset.outcome = s.o; art.dataset.task = D.tasks[s.t];
    sum.appendChild(el("span", "badge " + s.o, s.o));
    sum.appendChild(el("span", "id", s.i));
    sum.appendChild(el("span", "task", D.tasks[s.t]));
    if (s.g.length) { sum.appendChild(el("span", "grp", s.g.join(" "))); }
    var ans = el("span", "ans");
    ans.appendChild(el("em", null, "answer "));
    ans.appendChild(textNode(s.a.length ? s.a.map(shown).join(" | ") : "-"));
    sum.appendChild(ans);
    if (s.y !== undefined) {
      var gold = el("span", "ans"); gold.appendChild(el("em", null, "gold ")); gold.appendChild(textNode(s.y));
      sum.appendChild(gold);
    }
    if (s.e) { sum.appendChild(el("span", "ans errtext", s.e)); }
    if (s.u && s.u.length) { sum.appendChild(el("span", "ans why", "why: " + s.u[0] + (s.u.length > 1 ? " (+" + (s.u.length - 1) + ")" : ""))); }
    art.appendChild(sum);
    sum.addEventListener("click", function () { toggle(art, i); });
    if (opened[s.i]) { toggle(art, i); }
    return art;
  }

  function toggle(art, i) {
    var det = art.querySelector(".det");
    if (det) { det.remove(); delete opened[D.samples[i].i]; return; }
    opened[D.samples[i].i] = true;
    art.appendChild(details(D.samples[i]));
  }

  function kv(pairs) {
    var box = el("div", "kv");
    pairs.forEach(function (p) { box.appendChild(el("span", "k", p[0])); box.appendChild(el("code", null, p[1])); });
    return box;
  }
  function fmt(v) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : JSON.stringify(v); }

  function details(s) {
    var det = el("div", "det");
    det.appendChild(el("h4", null, "prompt"));
    s.p.forEach(function (turn) {
      var box = el("div", "turn " + turn[0]);
      box.appendChild(el("div", "role", turn[0]));
      box.appendChild(longText(str(turn[1])));
      det.appendChild(box);
    });
    if (s.r) {
      det.appendChild(el("h4", null, s.r.length === 1 ? "response" : s.r.length + " responses"));
      s.r.forEach(function (k, j) {
        var box = el("div", "resp"), meta = el("div", "meta");
        meta.appendChild(el("span", null, "#" + (j + 1)));
        var fr = (s.f || [])[j] || "";
        meta.appendChild(el("span", null, "finish: " + fr + (fr === "length" ? " (truncated)" : "")));
        var a = el("span"); a.appendChild(textNode("answer: ")); a.appendChild(el("b", null, s.a[j] === undefined ? "-" : shown(s.a[j])));
        meta.appendChild(a);
        if (s.u && s.a[j] === null) { meta.appendChild(el("span", "why", "why: " + s.u[s.a.slice(0, j).filter(function (x) { return x === null; }).length])); }
        if (s.cs && s.cs[j]) { meta.appendChild(el("span", null, "scores: " + Object.keys(s.cs[j]).map(function (m) { return m + "=" + fmt(s.cs[j][m]); }).join(" "))); }
        box.appendChild(meta);
        if (s.rs && s.rs[j] !== null && s.rs[j] !== undefined) {
          box.appendChild(el("div", "role", "reasoning")); box.appendChild(longText(str(s.rs[j])));
        }
        box.appendChild(longText(str(k)));
        if (s.b && s.b[j]) {
          var beh = el("div", "beh");
          beh.appendChild(document.createTextNode("behaviours (keyword detector, sentences; its recall is under Reasoning traces): "));
          Object.keys(s.b[j]).forEach(function (name) { beh.appendChild(textNode(name + " ")); beh.appendChild(el("b", null, s.b[j][name])); beh.appendChild(document.createTextNode("  ")); });
          box.appendChild(beh);
        }
        det.appendChild(box);
      });
    }
    if (s.c) {
      det.appendChild(el("h4", null, "continuations scored"));
      det.appendChild(kv(s.c.map(function (k, j) {
        var l = (s.l || [])[j] || {};
        return ["log P = " + (l.logprob === undefined ? "-" : l.logprob.toFixed(4)) + (l.is_greedy ? " (greedy)" : ""), str(k)];
      })));
      if (s.a.length) { det.appendChild(kv([["answer", s.a.map(shown).join(" | ")]])); }
    }
    det.appendChild(el("h4", null, "gold and scores"));
    var pairs = [];
    if (s.y !== undefined) { pairs.push(["gold", s.y]); }
    Object.keys(s.s).forEach(function (m) { pairs.push([m, fmt(s.s[m])]); });
    pairs.push(["tokens", s.k[0] + " prompt / " + s.k[1] + " completion"]);
    pairs.push(["samples.jsonl", "line " + s.n]);
    det.appendChild(kv(pairs));
    if (s.e) { det.appendChild(el("h4", null, "error")); det.appendChild(el("pre", "txt errtext", s.e)); }
    var more = el("details"); more.appendChild(el("summary", null, "sample fields"));
    more.appendChild(longText(str(s.x)));
    det.appendChild(more);
    return det;
  }

  function wire() {
    var st = readHash(), taskSel = $("f-task");
    D.tasks.forEach(function (t) { taskSel.add(new Option(visible(t), t)); });
    if (st.task && D.tasks.indexOf(st.task) >= 0) { taskSel.value = st.task; }
    fillGroups();
    if (st.group) { $("f-group").value = st.group; }
    if (st.outcome) {
      var want = st.outcome.split(",");
      document.querySelectorAll("input[name=outcome]").forEach(function (c) { c.checked = want.indexOf(c.value) >= 0; });
    }
    if (st.q) { $("f-text").value = st.q; }
    if (st.id) { onlyId = st.id; opened[st.id] = true; }
    taskSel.addEventListener("change", function () { fillGroups(); apply(true); });
    $("f-group").addEventListener("change", function () { apply(true); });
    document.querySelectorAll("input[name=outcome]").forEach(function (c) { c.addEventListener("change", function () { apply(true); }); });
    var timer = null;
    $("f-text").addEventListener("input", function () { onlyId = null; clearTimeout(timer); timer = setTimeout(function () { apply(true); }, 120); });
    $("prev").addEventListener("click", function () { page -= 1; render(); window.scrollTo(0, $("samples").offsetTop); });
    $("next").addEventListener("click", function () { page += 1; render(); window.scrollTo(0, $("samples").offsetTop); });
  }

  inflate(blob.textContent).then(function (data) {
    D = data; hay = new Array(D.samples.length);
    wire();
    apply(false);
    if (onlyId !== null) {
      var card = document.querySelector("#list article.sample");
      if (card) { card.scrollIntoView(); }
    }
    document.body.dataset.ready = "1";
  }).catch(function (err) {
    $("status").textContent = "could not read the embedded samples: " + err;
    document.body.dataset.ready = "error";
    throw err;
  });
})();
