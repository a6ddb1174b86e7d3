// The hierarchy explorer: a tree loaded one level at a time from /api/hierarchy/children.
// A trope with several super-tropes appears under each (marked ◆); a trope already above in its
// own branch is shown marked ↻ and not opened again, so a cycle never loops.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const {el, resourceHref, attachSuggestions} = window.tropekg;
  const tree = document.getElementById("tree");
  const status = document.getElementById("tree-status");
  const api = tree.dataset.api, pathsApi = tree.dataset.paths;
  const PAGE = 200;

  async function getJSON(url) {
    const r = await fetch(url, {headers: {"Accept": "application/json"}});
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.statusText);
    return r.json();
  }

  function ancestors(li) {
    const out = [];
    for (let p = li.parentElement.closest("li[data-path]"); p; p = p.parentElement.closest("li[data-path]")) out.push(p.dataset.path);
    return out;
  }

  function nodeItem(node, above) {
    const li = el("li", {"data-path": node.path, role: "treeitem"});
    const row = el("div", {class: "row"});
    const cycle = above.includes(node.path);
    if (node.children > 0 && !cycle) {
      const toggle = el("button", {type: "button", class: "toggle", "aria-expanded": "false",
                                   "aria-label": "Open " + node.label}, "▸");
      toggle.addEventListener("click", () => toggleNode(li));
      row.append(toggle);
    } else {
      row.append(el("span", {class: "leaf", "aria-hidden": "true"}, "•"));
    }
    if (cycle) row.append(el("span", {class: "cycle-mark", title: "already above in this branch: a cycle"}, "↻"));
    const a = el("a", {href: resourceHref(node.path), class: node.described ? "label" : "label wanted"}, node.label);
    row.append(a);
    if (node.children > 0) row.append(el("span", {class: "n"}, node.children + (node.children === 1 ? " sub-trope" : " sub-tropes")));
    if (node.parents > 1) {
      const others = node.parentLabels.join(", ") + (node.parents > node.parentLabels.length ? ", …" : "");
      row.append(el("span", {class: "multi", title: node.parents + " super-tropes: " + others}, "◆ " + node.parents + " parents"));
    }
    li.append(row);
    return li;
  }

  async function loadChildren(ul, path, offset) {
    const url = api + "?limit=" + PAGE + "&offset=" + offset + (path ? "&trope=" + encodeURIComponent(path) : "");
    const data = await getJSON(url);
    const owner = ul.closest("li[data-path]");
    const above = owner ? [owner.dataset.path, ...ancestors(owner)] : [];
    for (const child of data.children) ul.append(nodeItem(child, above));
    const shown = offset + data.children.length;
    if (shown < data.total) {
      const more = el("button", {type: "button", class: "more-button"}, "Show " + Math.min(PAGE, data.total - shown) + " more of " + data.total);
      more.addEventListener("click", async () => { more.remove(); await loadChildren(ul, path, shown); });
      const li = el("li"); li.append(more); ul.append(li);
    }
    return data;
  }

  async function open(li) {
    const toggle = li.querySelector(":scope > .row > button.toggle");
    if (!toggle || toggle.getAttribute("aria-expanded") === "true") return;
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "▾";
    let ul = li.querySelector(":scope > ul");
    if (ul) { ul.hidden = false; return; }
    ul = el("ul", {role: "group"});
    li.append(ul);
    try { await loadChildren(ul, li.dataset.path, 0); }
    catch (e) { status.textContent = "Could not load the sub-tropes: " + e.message; }
  }

  function close(li) {
    const toggle = li.querySelector(":scope > .row > button.toggle");
    const ul = li.querySelector(":scope > ul");
    if (toggle) { toggle.setAttribute("aria-expanded", "false"); toggle.textContent = "▸"; }
    if (ul) ul.hidden = true;
  }

  function toggleNode(li) {
    const toggle = li.querySelector(":scope > .row > button.toggle");
    if (toggle.getAttribute("aria-expanded") === "true") close(li); else return open(li);
  }

  // Reveal a trope: open the tree along its first path from the top and mark it.
  async function reveal(path) {
    let data;
    try { data = await getJSON(pathsApi + "?trope=" + encodeURIComponent(path)); }
    catch (e) { status.textContent = e.message; return; }
    tree.querySelectorAll(".row.found").forEach((r) => r.classList.remove("found"));
    if (!data.inHierarchy) {
      status.textContent = data.trope.label + " is in no sub-trope statement.";
      return;
    }
    const chain = data.paths[0];
    let scope = tree.querySelector(":scope > ul");
    let li = null;
    for (const [i, node] of chain.entries()) {
      li = null;
      for (let tries = 0; tries < 50 && !li; tries++) {
        li = [...scope.children].find((c) => c.dataset && c.dataset.path === node.path) || null;
        if (!li) {
          const more = scope.querySelector(":scope > li > .more-button");
          if (!more) break;
          more.click();
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      if (!li) break;
      if (i < chain.length - 1) { await open(li); scope = li.querySelector(":scope > ul"); }
    }
    if (li) {
      const row = li.querySelector(":scope > .row");
      row.classList.add("found");
      row.scrollIntoView({block: "center"});
      const n = data.paths.length;
      status.textContent = "Found " + data.trope.label + (n > 1 ? " (one of " + n + (data.complete ? "" : "+") + " places in the hierarchy)" : "");
    }
  }

  const root = el("ul", {role: "tree"});
  tree.append(root);
  loadChildren(root, null, 0).then((data) => {
    status.textContent = data.total + " tropes at the top.";
    const find = document.getElementById("tree-find");
    if (find.dataset.reveal) reveal(find.dataset.reveal);
  }).catch((e) => { status.textContent = "Could not load the hierarchy: " + e.message; });

  const find = document.getElementById("tree-find");
  attachSuggestions(find, document.getElementById("tree-suggestions"), "/api/search?titles=1&limit=10&q=",
                    (hit) => { find.value = hit.label; reveal(hit.path); });
  document.querySelector(".tree-search").addEventListener("submit", (e) => e.preventDefault());
});
