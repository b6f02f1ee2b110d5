// The table component's conveniences (webapp/tables.py does the work on the server): a filter
// form leaves out its empty boxes, so the URL names only the filters set.
"use strict";
document.querySelectorAll("form.table-filter").forEach((form) => {
  form.addEventListener("submit", () => {
    document.querySelectorAll(`input[form="${form.id}"]`).forEach((input) => {
      if (!input.value.trim()) input.disabled = true;
    });
  });
});
// Back to a page kept in the browser's cache: its boxes are usable again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("input[form]").forEach((input) => { input.disabled = false; });
});
