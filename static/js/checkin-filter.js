// The name filter on the check-in and check-out screens (templates/sessions_app/running/checkin_filter.html).
// Without JavaScript the filter is a plain search (?q=) the server answers. With it, the cards that do not
// match are hidden as you type, a polite live message says how many match, and Enter moves to the only match's
// button instead of reloading the page.
(function () {
  "use strict";

  function normalise(text) {
    return (text || "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function setUp(input) {
    var list = document.querySelector(input.getAttribute("data-checkin-filter"));
    var form = input.form;
    var status = form && form.querySelector("[data-checkin-filter-count]");
    if (!list) { return; }
    var cards = Array.prototype.slice.call(list.querySelectorAll("[data-checkin-name]"));
    var lastAnnounced = status ? status.textContent : null;

    function visibleCards() {
      return cards.filter(function (card) { return !card.hidden; });
    }

    function apply() {
      var wanted = normalise(input.value);
      cards.forEach(function (card) {
        card.hidden = wanted !== "" && normalise(card.getAttribute("data-checkin-name")).indexOf(wanted) === -1;
      });
      if (!status) { return; }
      var message = "";
      if (wanted !== "") {
        var shown = visibleCards().length;
        message = shown === 0 ? "Nobody matches “" + input.value.trim() + "”." :
          shown + " of " + cards.length + (cards.length === 1 ? " person matches" : " people match") +
          " “" + input.value.trim() + "”.";
      }
      if (message !== lastAnnounced) {
        status.textContent = message;
        lastAnnounced = message;
      }
    }

    input.addEventListener("input", apply);
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        apply();
        var shown = visibleCards();
        if (shown.length === 1) {
          var button = shown[0].querySelector("button[type=submit]");
          if (button) { button.focus(); }
        }
      });
    }
    // A page the server filtered (?q=) keeps its own message and its "Show everyone" link until you type.
  }

  document.querySelectorAll("input[data-checkin-filter]").forEach(setUp);
})();
