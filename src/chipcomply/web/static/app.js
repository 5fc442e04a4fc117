// Keyboard help for the desk: "/" jumps to the first field of the page's main form.
document.addEventListener("keydown", function (ev) {
  if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  var t = ev.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
  var field = document.querySelector("main form input:not([type=hidden]), main form textarea, main form select");
  if (field) { ev.preventDefault(); field.focus(); if (field.select) field.select(); }
});
