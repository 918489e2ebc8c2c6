// The monthly report's charts (Apache ECharts, from our own static files), drawn from the
// JSON the page carries (#report-charts). Each chart has its figures in a table beside
// it, so nothing is lost where scripts do not run.
(function () {
  "use strict";
  var island = document.getElementById("report-charts");
  if (!island || !window.echarts) return;
  var data = JSON.parse(island.textContent);
  var charts = [];

  function draw(id, option, empty) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    if (empty) {
      // Nothing to draw: say so where the chart would be, not an empty axis.
      option = {
        graphic: {
          type: "text", left: "center", top: "middle",
          style: { text: el.dataset.empty || "—", fill: "#6c757d", fontSize: 14 },
        },
      };
    }
    chart.setOption(option);
    el.dataset.drawn = "true";
    charts.push(chart);
  }

  var grid = { left: 40, right: 16, top: 40, bottom: 40, containLabel: true };
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.trend.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "grade", data: s.data };
    }),
  });
  function pie(id, rows) {
    draw(id, {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: rows, label: { formatter: "{b}: {c}" } }],
    }, rows.length === 0);
  }
  pie("chart-grade", data.grade);
  pie("chart-category", data.category);
  draw("chart-departments", {
    tooltip: { trigger: "axis" },
    grid: grid,
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
    yAxis: { type: "category", data: data.departments.map(function (d) { return d.name; }) },
    series: [{ type: "bar", data: data.departments.map(function (d) { return d.rate; }),
               label: { show: true, position: "right", formatter: "{c} %" } }],
  }, data.departments.length === 0);
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
