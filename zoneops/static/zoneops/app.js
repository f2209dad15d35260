// ZoneOps page behaviour. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function bind(root) {
    // Selects marked data-autosubmit submit their form on change (language switch, page size).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) { return; }
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
    // Buttons and forms marked data-confirm ask before destructive steps.
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.confirmBound) { return; }
      el.dataset.confirmBound = "1";
      var event = el.tagName === "FORM" ? "submit" : "click";
      el.addEventListener(event, function (e) { if (!window.confirm(el.dataset.confirm)) { e.preventDefault(); e.stopPropagation(); } });
    });
    // "Select all" checkbox for table row selection.
    root.querySelectorAll("input[data-select-all]").forEach(function (el) {
      if (el.dataset.bound) { return; }
      el.dataset.bound = "1";
      el.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + el.dataset.selectAll + "']").forEach(function (box) { box.checked = el.checked; });
      });
    });
    // ECharts: any element with data-chart holds its option as JSON in a sibling <script type="application/json">.
    if (window.echarts) {
      root.querySelectorAll("[data-chart]").forEach(function (el) {
        if (el.dataset.bound) { return; }
        var source = document.getElementById(el.dataset.chart);
        if (!source) { return; }
        el.dataset.bound = "1";
        var chart = window.echarts.init(el);
        var option = JSON.parse(source.textContent);
        chart.setOption(option);
        if (el.dataset.links) {
          chart.on("click", function (params) {
            var links = JSON.parse(document.getElementById(el.dataset.links).textContent);
            var url = links[params.name] || links[params.seriesName + "|" + params.name];
            if (url) { window.location.href = url; }
          });
        }
        window.addEventListener("resize", function () { chart.resize(); });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (e) { bind(e.target); });
})();
