// The query page: choosing an example puts its text in the box.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("examples");
  const box = document.getElementById("query");
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    if (option && option.dataset.query) box.value = option.dataset.query;
  });
});
