// tropekg: spoilers and search-as-you-type. Every piece of page text is set with textContent,
// never parsed as markup.
"use strict";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function resourceHref(path) {
  return "/resource/" + path.split("/").map(encodeURIComponent).join("/");
}

// Spoilers: hidden until clicked (or Enter/Space on the focused spoiler).
function revealSpoiler(event) {
  const spoiler = event.target.closest(".spoiler");
  if (!spoiler) return;
  if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
  event.preventDefault();
  spoiler.classList.toggle("revealed");
  spoiler.setAttribute("aria-label", spoiler.classList.contains("revealed") ? "Spoiler (shown)" : "Spoiler: click to reveal");
}
document.addEventListener("click", revealSpoiler);
document.addEventListener("keydown", revealSpoiler);

// Suggestions under a search box: fetch the API as the user types, newest answer wins.
function attachSuggestions(input, list, url, onPick) {
  let seq = 0, shown = [], active = -1, timer = null;
  function close() { list.hidden = true; list.replaceChildren(); shown = []; active = -1; }
  function highlight(i) {
    active = i;
    list.querySelectorAll("a").forEach((a, j) => a.classList.toggle("active", j === i));
  }
  async function update() {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < 2) { close(); return; }
    let data;
    try {
      const r = await fetch(url + encodeURIComponent(q), {headers: {"Accept": "application/json"}});
      if (!r.ok) return;
      data = await r.json();
    } catch (e) { return; }
    if (mine !== seq) return;  // a later keystroke already asked again
    list.replaceChildren();
    shown = data.hits;
    for (const [i, hit] of shown.entries()) {
      const a = el("a", {href: resourceHref(hit.path), "data-path": hit.path}, hit.label);
      a.append(" ", el("span", {class: "kind-badge"}, hit.kindName));
      a.addEventListener("click", (e) => { if (onPick) { e.preventDefault(); onPick(hit); close(); } });
      const li = el("li");
      li.append(a);
      list.append(li);
      if (i === 0) highlight(0);
    }
    list.hidden = shown.length === 0;
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 120); });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, shown.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Escape") close();
    else if (e.key === "Enter" && active >= 0 && shown[active] && onPick) {
      e.preventDefault(); onPick(shown[active]); close();
    }
  });
  document.addEventListener("click", (e) => { if (!list.contains(e.target) && e.target !== input) close(); });
}

document.addEventListener("DOMContentLoaded", () => {
  const top = document.querySelector(".top-search input[data-suggest]");
  if (top) {
    attachSuggestions(top, top.parentElement.querySelector(".suggestions"), top.dataset.suggest,
                      (hit) => { window.location.href = resourceHref(hit.path); });
  }
});

window.tropekg = {el, resourceHref, attachSuggestions};
