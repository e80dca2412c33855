/* Forms that cannot trip a user (no vendored code here; runs under script-src 'self'):
   - the error summary at the top of a form gets the focus; a form whose template renders its
     fields one by one gets a summary built from its field errors, linking to each field;
   - a submitted form is busy: its submit buttons are disabled (after the browser has read the
     pressed button's name and value) and a second submit is ignored, so nothing posts twice;
   - selects marked `data-search` (enterprises, units) or with many options become Tom Selects. */
(function () {
  "use strict";
  var SEARCH_FROM = 20; // options from which a plain select gets a search box too

  function labelOf(form, control) {
    var label = control.id && form.querySelector('label[for="' + control.id + '"]');
    if (!label) {
      var box = control.closest("fieldset");
      label = box && box.querySelector("legend");
    }
    return label ? label.textContent.replace(/[:：]\s*$/, "").trim() : "";
  }

  function buildSummary(form) {
    if (form.querySelector(".fg-error-summary")) return;
    var lists = form.querySelectorAll(".errorlist");
    if (!lists.length) return;
    var box = document.createElement("div");
    box.className = "alert alert-danger fg-error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var title = document.createElement("h2");
    title.className = "alert-heading h4";
    title.textContent = document.documentElement.lang === "en"
      ? "Please correct the following before submitting:" : "请修改以下问题后再提交：";
    var ul = document.createElement("ul");
    ul.className = "mb-0";
    lists.forEach(function (list) {
      var scope = list.parentElement;
      var control = scope && scope.querySelector("input:not([type=hidden]), select, textarea");
      list.querySelectorAll("li").forEach(function (item) {
        var li = document.createElement("li");
        if (control && control.id) {
          var a = document.createElement("a");
          a.href = "#" + control.id;
          var name = labelOf(form, control);
          a.textContent = (name ? name + "：" : "") + item.textContent;
          li.appendChild(a);
        } else {
          li.textContent = item.textContent;
        }
        ul.appendChild(li);
      });
    });
    box.appendChild(title);
    box.appendChild(ul);
    form.insertBefore(box, form.firstChild);
  }

  function busy(form, on) {
    if (on) form.setAttribute("aria-busy", "true"); else form.removeAttribute("aria-busy");
    form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
      .forEach(function (b) { b.disabled = on; b.classList.toggle("btn-loading", on && b.classList.contains("btn")); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-no-busy")) return;
    if (form.hasAttribute("aria-busy")) {
      event.preventDefault();
      return;
    }
    setTimeout(function () { busy(form, true); }, 0);
    // a download (export, PDF) leaves the page in place: the form is free again after a while
    setTimeout(function () { busy(form, false); }, 8000);
  }, false);

  // Back/forward cache: a page shown again must not keep its forms busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy]").forEach(function (f) { busy(f, false); });
  });

  // A table or board wider than the screen scrolls inside itself: keyboards must reach it.
  function focusableScrollers(root) {
    root.querySelectorAll(".fg-content table, .fg-content .board, .fg-content [data-scroll]").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) {
        el.tabIndex = 0;
        if (!el.getAttribute("aria-label") && !el.querySelector("caption")) {
          var heading = el.previousElementSibling;
          el.setAttribute("aria-label", heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent.trim() : document.title);
        }
      }
    });
  }

  function enhance(root) {
    root.querySelectorAll("form").forEach(buildSummary);
    focusableScrollers(root);
    var summary = root.querySelector(".fg-error-summary");
    if (summary) summary.focus();
    if (typeof window.TomSelect !== "function") return;
    root.querySelectorAll("select").forEach(function (select) {
      if (select.tomselect || select.hasAttribute("data-no-search")) return;
      if (!select.hasAttribute("data-search") && select.options.length < SEARCH_FROM) return;
      // Tom Select moves the label's `for` to its own input: keep the hidden select named too
      var name = select.form ? labelOf(select.form, select) : "";
      if (name && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", name);
      new window.TomSelect(select, {
        create: false,
        maxOptions: 1000,
        allowEmptyOption: true,
        plugins: select.multiple ? ["remove_button"] : [],
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:after:swap", function (e) { if (e.target) enhance(e.target); });
})();
