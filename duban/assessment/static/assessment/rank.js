/* A unit's rank in its group through the year, drawn with the vendored ECharts; the table
 * beside it holds the same figures. Data from a json_script element (no inline script). */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("rank-chart-data");
    var el = document.querySelector("[data-chart='rank']");
    if (!source || !el || !window.echarts) return;
    var d = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", name: d.axis, inverse: true, minInterval: 1, min: 1 },
      series: [{ name: d.unit, type: "line", data: d.ranks, connectNulls: false,
                 label: { show: true }, itemStyle: { color: "#b22222" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
