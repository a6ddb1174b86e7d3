(function () {
  "use strict";
  var SITE = "TVTROPES";
  function el(id) { return document.getElementById(id); }
  function show(cd) {
    if (!cd) { return; }
    el("tk-help").hidden = true;
    el("tk-name").textContent = cd[1] || "";
    el("tk-title").textContent = cd[0] || "";
    el("tk-desc").textContent = cd[2] || "";
    el("tk-counts").textContent = cd[3] || "";
    el("tk-note").textContent = cd[5] || "";
    var link = el("tk-link");
    if (typeof cd[4] === "string" && cd[4].indexOf(SITE) === 0) {
      link.href = cd[4];
      link.textContent = "Open " + cd[0] + " on tvtropes.org";
      link.hidden = false;
    } else {
      link.removeAttribute("href");
      link.hidden = true;
    }
  }
  function find(gd, q) {
    var exact = [], partial = [];
    gd.data.forEach(function (trace, t) {
      var all = trace.customdata || [];
      for (var i = 0; i < all.length; i++) {
        var cd = all[i];
        if (!cd || !cd[0]) { continue; }
        var title = String(cd[0]).toLowerCase(), name = String(cd[1]).toLowerCase();
        var hit = {trace: t, index: i, title: String(cd[0])};
        if (title === q || name === q || title.split("/").pop() === q) { exact.push(hit); }
        else if (title.indexOf(q) >= 0 || name.indexOf(q) >= 0) { partial.push(hit); }
      }
    });
    return exact.concat(partial);
  }
  function focus(gd, hit) {
    var trace = gd.data[hit.trace];
    show(trace.customdata[hit.index]);
    if (trace.ids && trace.parents) {
      var id = trace.ids[hit.index];
      var level = trace.parents.indexOf(id) >= 0 ? id : trace.parents[hit.index];
      Plotly.restyle(gd, {level: level}, [hit.trace]);
    } else {
      Plotly.Fx.hover(gd, [{curveNumber: hit.trace, pointNumber: hit.index}]);
    }
  }
  window.tropekgInit = function (gd) {
    gd.on("plotly_click", function (event) {
      var p = event && event.points && event.points[0];
      if (p && p.customdata) { show(p.customdata); }
    });
    var matches = [], at = -1, last = null;
    el("tk-search").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = el("tk-query").value.trim().toLowerCase();
      if (!q) { return; }
      if (q !== last) { matches = find(gd, q); at = -1; last = q; }
      if (!matches.length) {
        el("tk-status").textContent = "No trope matching \u201c" + el("tk-query").value.trim() +
          "\u201d in this picture (it may be in a '+K more' sector or below the depth cut).";
        return;
      }
      at = (at + 1) % matches.length;
      focus(gd, matches[at]);
      el("tk-status").textContent = "Found " + matches[at].title + " (" + (at + 1) + " of " +
        matches.length + "; Find again for the next)";
    });
    document.body.setAttribute("data-tropekg-ready", "1");
  };
})();
