/* Gongzhi: small progressive enhancements. Every core form works without this file. */
(function () {
  "use strict";
  // Confirm destructive actions marked with data-confirm (the server asks too).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Move focus to the first field with an error, so keyboard and screen-reader users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var firstError = document.querySelector(".field-error input, .field-error select, .field-error textarea");
    if (firstError) { firstError.focus(); }
    // The menu starts open on wide screens; on phones it is a disclosure.
    var toggle = document.querySelector(".nav-toggle");
    if (toggle && window.matchMedia("(min-width: 900px)").matches) { toggle.setAttribute("open", ""); }
  });
})();
