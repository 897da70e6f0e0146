// Sends a form once. After the first click (or Enter) its submit buttons are disabled, so a double click
// makes one request; the server's form token (core/idempotency.py) covers whatever gets through anyway.
// A disabled button's name and value are not sent, so the button that was pressed is copied into a hidden
// input first. Buttons come back when the page is shown again (the back button) or after a while, in case
// the answer never arrives. A form opts out with data-submit-once="off".
(function () {
  "use strict";

  var RELEASE_AFTER_MS = 15000;

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "BUTTON" && (el.type || "submit") === "submit") ||
        (el.tagName === "INPUT" && (el.type === "submit" || el.type === "image"));
    });
  }

  function release(form) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("input[data-submit-once-copy]").forEach(function (copy) { copy.remove(); });
    submitButtons(form).forEach(function (button) {
      if (button.hasAttribute("data-submit-once-disabled")) {
        button.removeAttribute("data-submit-once-disabled");
        button.removeAttribute("aria-disabled");
        button.disabled = false;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.dataset.submitOnce === "off") { return; }
    if (form.dataset.submitting) {  // already on its way
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.setAttribute("aria-busy", "true");
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.setAttribute("data-submit-once-copy", "");
      form.appendChild(copy);
    }
    submitButtons(form).forEach(function (button) {
      if (!button.disabled) {
        button.setAttribute("data-submit-once-disabled", "");
        button.setAttribute("aria-disabled", "true");
        button.disabled = true;
      }
    });
    window.setTimeout(function () { release(form); }, RELEASE_AFTER_MS);
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(release);
  });
})();
