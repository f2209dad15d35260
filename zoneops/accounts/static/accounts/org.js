// Department, user and role management: show the department picker only for the "chosen departments" scope.
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      if (el.dataset.showBound) { return; }
      el.dataset.showBound = "1";
      var parts = el.dataset.showWhen.split("=");
      var control = document.getElementById(parts[0]);
      if (!control) { return; }
      var update = function () { el.classList.toggle("d-none", control.value !== parts[1]); };
      control.addEventListener("change", update);
      update();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (e) { bind(e.target); });
})();
