// Halo sandbox: pickers submit on change (each form keeps a button for no-JS use).
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
