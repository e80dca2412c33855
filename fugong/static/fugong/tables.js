/* Sortable tables (no vendored code; runs under script-src 'self'): every table of the page
   content with a header row gets a button in each header cell; pressing it sorts the body rows
   by that column (numbers as numbers, "2,000" and "85.0%" included; text in Chinese collation)
   and sets aria-sort (not a header with no visible text). Tables marked data-nosort, or whose body has merged cells, stay as they
   are. Headers stay visible while scrolling (ui.css: position sticky). */
(function () {
  "use strict";
  var collator = new Intl.Collator(document.documentElement.lang || "zh-Hans", { numeric: true });

  function valueOf(cell) {
    var text = (cell ? cell.textContent : "").trim();
    var num = text.replace(/[,，\s%]/g, "").replace(/^[^\d\-.]+|[^\d.]+$/g, "");
    return num !== "" && !isNaN(Number(num)) ? { n: Number(num), t: text } : { n: null, t: text };
  }

  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = valueOf(a.cells[index]), y = valueOf(b.cells[index]);
      var r = x.n !== null && y.n !== null ? x.n - y.n : collator.compare(x.t, y.t);
      return asc ? r : -r;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }

  // a header whose only text is for screen readers (a column of checkboxes or buttons)
  function visibleText(th) {
    var copy = th.cloneNode(true);
    copy.querySelectorAll(".visually-hidden").forEach(function (e) { e.remove(); });
    return copy.textContent.trim();
  }

  function enhance(table) {
    if (table.hasAttribute("data-nosort") || table.dataset.sortable) return;
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body || body.rows.length < 2 || body.querySelector("[colspan],[rowspan]")) return;
    table.dataset.sortable = "1";
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (th, index) {
      if (!visibleText(th) || th.querySelector("a, button, input")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "fg-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  }

  function scan(root) { (root || document).querySelectorAll("#content table").forEach(enhance); }
  document.addEventListener("DOMContentLoaded", function () { scan(); });
  document.addEventListener("htmx:after:swap", function () { scan(); }); // htmx 4 event name
  document.addEventListener("htmx:afterSwap", function () { scan(); }); // htmx 2 name, harmless
})();
