/* The dashboard's charts: data from the #chart-data JSON, every element clicks through to the
   enterprises it counts. No inline scripts (the pages run under a strict CSP). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);

  function drill(params) {
    var q = new URLSearchParams(Object.assign({}, data.base, params));
    window.location.href = data.drill + "?" + q.toString();
  }

  function chart(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "svg" });
    option.title = { text: el.dataset.title, textStyle: { fontSize: 14 } };
    option.tooltip = option.tooltip || { trigger: "axis" };
    option.grid = Object.assign({ left: 48, right: 16, top: 40, bottom: 64 }, option.grid || {});
    option.animation = false;
    c.setOption(option);
    if (onClick) c.on("click", onClick);
    window.addEventListener("resize", function () { c.resize(); });
  }

  var regions = document.getElementById("chart-regions");
  chart("chart-regions", {
    legend: { bottom: 0 },
    xAxis: { type: "category", data: data.regions.map(function (r) { return r.label; }),
             axisLabel: { interval: 0, rotate: data.regions.length > 8 ? 30 : 0 } },
    yAxis: { type: "value" },
    series: [
      { name: regions && regions.dataset.resumed, type: "bar", stack: "n", color: "#2e7d32",
        data: data.regions.map(function (r) { return r.resumed; }) },
      { name: regions && regions.dataset.notResumed, type: "bar", stack: "n", color: "#c0392b",
        data: data.regions.map(function (r) { return r.not_resumed; }) }
    ]
  }, function (p) {
    drill({ region: data.regions[p.dataIndex].key,
            figure: p.seriesIndex === 0 ? "resumed" : "not_resumed" });
  });

  var trend = document.getElementById("chart-trend");
  chart("chart-trend", {
    legend: { bottom: 0 },
    xAxis: { type: "category", data: data.trend.map(function (d) { return d.date.slice(5); }) },
    yAxis: { type: "value", max: 100 },
    series: [
      { name: trend && trend.dataset.rate, type: "line", data: data.trend.map(function (d) { return d.rate; }) },
      { name: trend && trend.dataset.staff, type: "line", data: data.trend.map(function (d) { return d.staff_rate; }) },
      { name: trend && trend.dataset.completeness, type: "line", data: data.trend.map(function (d) { return d.completeness; }) }
    ]
  }, function (p) {
    drill({ date: data.trend[p.dataIndex].date, figure: "resumed" });
  });

  var industry = document.getElementById("chart-industry");
  chart("chart-industry", {
    legend: { bottom: 0 },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true,
             data: data.industry.map(function (b) { return b.label.split(" ").pop(); }) },
    grid: { left: 120 },
    series: [
      { name: industry && industry.dataset.resumed, type: "bar", color: "#2e7d32",
        data: data.industry.map(function (b) { return b.resumed; }) },
      { name: industry && industry.dataset.total, type: "bar", color: "#90a4ae",
        data: data.industry.map(function (b) { return b.enterprises; }) }
    ]
  }, function (p) {
    drill({ industry: data.industry[p.dataIndex].key,
            figure: p.seriesIndex === 0 ? "resumed" : "enterprises" });
  });
})();

/* Work orders by category: open and overdue, clicking through to the queue. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var el = document.getElementById("chart-orders");
  if (!el || !data.orders) return;
  var c = echarts.init(el, null, { renderer: "svg" });
  c.setOption({
    animation: false,
    title: { text: el.dataset.title, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 64 },
    xAxis: { type: "category", data: data.orders.map(function (r) { return r.label; }),
             axisLabel: { interval: 0, rotate: data.orders.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: el.dataset.open, type: "bar", color: "#3b6ea5",
        data: data.orders.map(function (r) { return r.open; }) },
      { name: el.dataset.overdue, type: "bar", color: "#c0392b",
        data: data.orders.map(function (r) { return r.overdue; }) }
    ]
  });
  c.on("click", function (p) {
    var q = new URLSearchParams({ view: p.seriesIndex === 0 ? "open" : "overdue",
                                  category: data.orders[p.dataIndex].key });
    window.location.href = data.queue + "?" + q.toString();
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
