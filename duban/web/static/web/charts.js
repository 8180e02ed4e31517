/* Charts drawn with the vendored Apache ECharts (static/web/vendor/echarts, no CDN).
 * Data comes from a json_script element (the CSP allows no inline script); every chart has
 * a table beside it with the same figures (screen readers, printing, no JavaScript). */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("cockpit-charts");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    function stacked(names, series, colors) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { data: series.map(function (s) { return s[0]; }) },
        grid: { left: 90, right: 16, top: 32, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: names, inverse: true },
        series: series.map(function (s, i) {
          return { name: s[0], type: "bar", stack: "s", data: s[1], itemStyle: { color: colors[i] } };
        })
      };
    }
    var builders = {
      trend: function (d) {
        var l = d.trend.labels;
        return {
          tooltip: { trigger: "axis" },
          legend: { data: [l.actual, l.plan] },
          grid: { left: 60, right: 16, top: 32, bottom: 28 },
          xAxis: { type: "category", data: d.trend.months },
          yAxis: { type: "value", name: l.unit },
          series: [
            { name: l.actual, type: "bar", data: d.trend.actual, itemStyle: { color: "#1f5fa8" } },
            { name: l.plan, type: "line", data: d.trend.plan, smooth: true, itemStyle: { color: "#b22222" } }
          ]
        };
      },
      units: function (d) {
        var l = d.units.labels;
        return stacked(d.units.names, [[l.red, d.units.red], [l.yellow, d.units.yellow], [l.green, d.units.green]],
          ["#c62828", "#e0a100", "#2e7d32"]);
      },
      problems: function (d) {
        var l = d.problems.labels;
        return {
          tooltip: { trigger: "axis" },
          legend: { data: [l.opened, l.closed] },
          grid: { left: 40, right: 16, top: 32, bottom: 28 },
          xAxis: { type: "category", data: d.problems.months },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: l.opened, type: "bar", data: d.problems.opened, itemStyle: { color: "#e0a100" } },
            { name: l.closed, type: "bar", data: d.problems.closed, itemStyle: { color: "#2e7d32" } }
          ]
        };
      },
      reports: function (d) {
        var l = d.reports.labels;
        return stacked(d.reports.names, [[l.on_time, d.reports.on_time], [l.late, d.reports.late], [l.missing, d.reports.missing]],
          ["#2e7d32", "#e0a100", "#c62828"]);
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
