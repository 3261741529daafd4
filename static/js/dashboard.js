// Dashboard charts with the vendored ECharts; every chart has a table with the same figures.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);

  var trend = document.getElementById("trend-chart");
  if (trend && data.dates.length) {
    echarts.init(trend).setOption({
      animation: false,  // a year of daily points: drawn at once, not swept in on a phone's CPU
      // Drawn on the canvas: an HTML tooltip would need style="" attributes, which the CSP refuses.
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", boundaryGap: false, data: data.dates },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.data, connectNulls: true, smooth: true,
                 lineStyle: { width: i === 0 ? 3 : 1.5 } };
      })
    });
  }
  document.querySelectorAll(".sparkline").forEach(function (el) {
    var values = data.sections[el.dataset.section] || [];
    if (values.length < 2) { return; }
    echarts.init(el).setOption({
      animation: false,
      grid: { left: 0, right: 0, top: 2, bottom: 2 },
      xAxis: { type: "category", show: false, boundaryGap: false, data: values.map(function (_, i) { return i; }) },
      yAxis: { type: "value", show: false, min: 0, max: 100 },
      series: [{ type: "line", data: values, symbol: "none", areaStyle: { opacity: 0.15 } }]
    });
  });

  // Sortable department table: click a header.
  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th, column) {
    th.tabIndex = 0;
    th.addEventListener("click", function () {
      var body = th.closest("table").tBodies[0];
      var numeric = th.dataset.sort === "number";
      var descending = th.getAttribute("aria-sort") !== "descending";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
        var cmp = numeric ? (parseFloat(x) || -1) - (parseFloat(y) || -1) : x.localeCompare(y, "zh");
        return descending ? -cmp : cmp;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      th.closest("tr").querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    });
  });
})();
