/* Charts drawn with the vendored Apache ECharts (static/web/vendor/echarts, no CDN).
 * Data comes from a json_script element (the CSP allows no inline script); every chart has
 * a table beside it with the same figures (screen readers, printing, no JavaScript). */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("cockpit-charts");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var builders = {
      trend: function (d) {
        return {
          tooltip: { trigger: "axis" },
          legend: { data: ["累计完成", "累计计划"] },
          grid: { left: 60, right: 16, top: 32, bottom: 28 },
          xAxis: { type: "category", data: d.trend.months },
          yAxis: { type: "value", name: "万元" },
          series: [
            { name: "累计完成", type: "bar", data: d.trend.actual, itemStyle: { color: "#1f5fa8" } },
            { name: "累计计划", type: "line", data: d.trend.plan, smooth: true, itemStyle: { color: "#b22222" } }
          ]
        };
      },
      units: function (d) {
        return {
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { data: ["红灯", "黄灯", "绿灯"] },
          grid: { left: 90, right: 16, top: 32, bottom: 20 },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: d.units.names, inverse: true },
          series: [
            { name: "红灯", type: "bar", stack: "l", data: d.units.red, itemStyle: { color: "#c62828" } },
            { name: "黄灯", type: "bar", stack: "l", data: d.units.yellow, itemStyle: { color: "#e0a100" } },
            { name: "绿灯", type: "bar", stack: "l", data: d.units.green, itemStyle: { color: "#2e7d32" } }
          ]
        };
      }
    };
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      if (!build) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
