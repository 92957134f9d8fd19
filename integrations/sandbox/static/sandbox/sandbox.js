// Halo sandbox: pickers submit on change (each form keeps a button for no-JS use).
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});

// A Halo that preloads custom tabs (the "preload_custom_tabs" switch): every panel is
// in the page and the tab strip shows one without a reload, so a hidden tab's iframe
// keeps the page it loaded. The shown tab's iframe takes the id "msp-process-tab",
// as the one iframe has when tabs are not preloaded.
(function () {
  var strip = document.querySelector("nav[data-switch-panels]");
  if (!strip) return;
  var links = Array.prototype.slice.call(strip.querySelectorAll("a[data-panel]"));

  function show(link) {
    links.forEach(function (other) {
      var on = other === link;
      other.classList.toggle("active", on);
      if (on) other.setAttribute("aria-current", "page");
      else other.removeAttribute("aria-current");
      var panel = document.getElementById(other.dataset.panel);
      if (panel) panel.hidden = !on;
    });
    var current = document.getElementById("msp-process-tab");
    if (current) current.id = "custom-tab-frame-" + current.dataset.customTabId;
    var panel = document.getElementById(link.dataset.panel);
    var frame = panel && panel.querySelector("iframe[data-custom-tab-id]");
    if (frame) frame.id = "msp-process-tab";
    // Reloading or switching agent reopens this tab, as the links do without JavaScript.
    var keep = document.querySelector("input[data-keep-tab]");
    if (keep) keep.value = link.dataset.tab;
    history.replaceState(null, "", link.href);
  }

  strip.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-panel]");
    // A modified click (new tab or window) keeps the browser's own behaviour.
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    show(link);
  });
})();
