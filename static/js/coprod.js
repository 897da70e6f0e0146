// Move keyboard and screen-reader focus to the error summary when a form comes back with problems.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
});
