// The neighbourhood of a trope: super-tropes above, sub-tropes below, related tropes at the sides,
// drawn as SVG from /api/neighbourhood; a click on a trope re-centres the view on it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const {el, resourceHref} = window.tropekg;
  const box = document.getElementById("neighbourhood");
  const legend = document.getElementById("neighbour-list");
  const heading = document.getElementById("centre-link");
  const NS = "http://www.w3.org/2000/svg";
  const W = 1000, H = 680, CX = W / 2, CY = H / 2;
  const COLOURS = {"super-trope": "#2b5fab", "sub-trope": "#3d8b5a"};

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function place(group, y0, y1, x0, x1) {
    // spread a group along a band; a long group wraps onto a second row
    const perRow = Math.max(1, Math.ceil(group.length / 2)), rows = group.length > 8 ? 2 : 1;
    const n = rows === 2 ? perRow : group.length;
    return group.map((node, i) => {
      const row = rows === 2 ? Math.floor(i / perRow) : 0, col = rows === 2 ? i % perRow : i;
      return {node, x: x0 + (x1 - x0) * (col + 0.5) / n, y: y0 + (y1 - y0) * (row + 0.5) / rows};
    });
  }

  async function draw(path, push) {
    const r = await fetch(box.dataset.api + "?trope=" + encodeURIComponent(path), {headers: {"Accept": "application/json"}});
    if (!r.ok) return;
    const data = await r.json();
    const ups = data.neighbours.filter((n) => n.relation === "super-trope");
    const downs = data.neighbours.filter((n) => n.relation === "sub-trope");
    const sides = data.neighbours.filter((n) => n.relation !== "super-trope" && n.relation !== "sub-trope");
    const left = sides.filter((_, i) => i % 2 === 0), right = sides.filter((_, i) => i % 2 === 1);
    const spots = [
      ...place(ups, 30, 190, 80, W - 80),
      ...place(downs, H - 190, H - 30, 80, W - 80),
      ...left.map((node, i) => ({node, x: 140, y: 230 + (220 * (i + 0.5)) / Math.max(1, left.length)})),
      ...right.map((node, i) => ({node, x: W - 140, y: 230 + (220 * (i + 0.5)) / Math.max(1, right.length)})),
    ];
    const picture = svg("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Tropes around " + data.centre.label});
    for (const s of spots) picture.append(svg("line", {x1: CX, y1: CY, x2: s.x, y2: s.y}));
    for (const s of spots) {
      const g = svg("g", {class: "node", transform: `translate(${s.x},${s.y})`, "data-path": s.node.path, tabindex: "0"});
      g.append(svg("circle", {r: 7, fill: COLOURS[s.node.relation] || "#b26b00"}));
      const label = s.node.label.length > 28 ? s.node.label.slice(0, 27) + "…" : s.node.label;
      g.append(svg("text", {y: -11, "text-anchor": "middle"}, label));
      g.append(svg("title", {}, s.node.label + " (" + s.node.relation + ")"));
      g.addEventListener("click", () => draw(s.node.path, true));
      g.addEventListener("keydown", (e) => { if (e.key === "Enter") draw(s.node.path, true); });
      picture.append(g);
    }
    const centre = svg("g", {class: "node centre", transform: `translate(${CX},${CY})`, "data-path": data.centre.path});
    centre.append(svg("circle", {r: 12}));
    centre.append(svg("text", {y: -18, "text-anchor": "middle"}, data.centre.label));
    picture.append(centre);
    box.replaceChildren(picture);
    heading.textContent = data.centre.label;
    heading.setAttribute("href", resourceHref(data.centre.path));
    box.dataset.trope = data.centre.path;
    legend.replaceChildren();
    const counts = {};
    for (const n of data.neighbours) counts[n.relation] = (counts[n.relation] || 0) + 1;
    for (const [rel, n] of Object.entries(counts)) legend.append(el("li", {}, rel + ": " + n));
    if (data.more) legend.append(el("li", {}, "+" + data.more + " more on the trope's page"));
    if (push) history.pushState({trope: data.centre.path}, "", "/neighbourhood?trope=" + encodeURIComponent(data.centre.path));
    document.title = "Around " + data.centre.label + " · tropekg";
  }

  window.addEventListener("popstate", (e) => { if (e.state && e.state.trope) draw(e.state.trope, false); });
  history.replaceState({trope: box.dataset.trope}, "");  // so Back returns to the first trope too
  draw(box.dataset.trope, false);
});
