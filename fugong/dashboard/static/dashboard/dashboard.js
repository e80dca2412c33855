/* The dashboard's charts: data from the #chart-data JSON, every element clicks through to the
   enterprises it counts. No inline scripts (the pages run under a strict CSP). Every chart has
   a server-rendered data table beside it (<details> 数据表) for keyboards and screen readers. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  /* One colour meaning per figure across the dashboard. */
  var PALETTE = {
    resumed: "#2fb344",      // 复工 green
    partial: "#f59f00",      // 部分复工 amber
    notResumed: "#9ba9be",   // 未复工 grey
    overdue: "#d63939",      // 逾期 red
    open: "#206bc4",         // 未办结 blue
    total: "#9ba9be",        // 企业数 grey (the not-yet-resumed remainder)
    staff: "#4299e1",        // 到岗率
    completeness: "#ae3ec9"  // 填报率
  };
  function fmt(v) {
    return typeof v === "number" ? v.toLocaleString("zh-CN") : v;
  }
  var countAxis = { type: "value", minInterval: 1, axisLabel: { formatter: fmt } };

  function drill(params) {
    var q = new URLSearchParams(Object.assign({}, data.base, params));
    window.location.href = data.drill + "?" + q.toString();
  }

  function chart(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "svg" });
    option.title = { text: el.dataset.title, textStyle: { fontSize: 14 } };
    option.aria = { enabled: true };
    option.legend = Object.assign({ bottom: 0, left: "center" }, option.legend || {});
    option.tooltip = option.tooltip || { trigger: "axis", valueFormatter: fmt };
    option.grid = Object.assign({ left: 16, right: 24, top: 48, bottom: 36, containLabel: true },
                                option.grid || {});
    option.animation = false;
    (option.series || []).forEach(function (s) {
      if (s.type === "bar") s.barMaxWidth = 32;
    });
    c.setOption(option);
    if (onClick) c.on("click", onClick);
    window.addEventListener("resize", function () { c.resize(); });
  }

  var regions = document.getElementById("chart-regions");
  chart("chart-regions", {
    xAxis: { type: "category", data: data.regions.map(function (r) { return r.label; }),
             axisLabel: { interval: 0, rotate: data.regions.length > 8 ? 30 : 0 } },
    yAxis: countAxis,
    series: [
      { name: regions && regions.dataset.resumed, type: "bar", stack: "n", color: PALETTE.resumed,
        data: data.regions.map(function (r) { return r.resumed; }) },
      { name: regions && regions.dataset.notResumed, type: "bar", stack: "n",
        color: PALETTE.notResumed, data: data.regions.map(function (r) { return r.not_resumed; }) }
    ]
  }, function (p) {
    drill({ region: data.regions[p.dataIndex].key,
            figure: p.seriesIndex === 0 ? "resumed" : "not_resumed" });
  });

  var trend = document.getElementById("chart-trend");
  function pct(v) { return v === null || v === undefined ? "—" : fmt(v) + "%"; }
  chart("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: pct },
    xAxis: { type: "category", data: data.trend.map(function (d) { return d.date.slice(5); }) },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: trend && trend.dataset.rate, type: "line", color: PALETTE.resumed,
        data: data.trend.map(function (d) { return d.rate; }) },
      { name: trend && trend.dataset.staff, type: "line", color: PALETTE.staff,
        data: data.trend.map(function (d) { return d.staff_rate; }) },
      { name: trend && trend.dataset.completeness, type: "line", color: PALETTE.completeness,
        data: data.trend.map(function (d) { return d.completeness; }) }
    ]
  }, function (p) {
    drill({ date: data.trend[p.dataIndex].date, figure: "resumed" });
  });

  var industry = document.getElementById("chart-industry");
  chart("chart-industry", {
    xAxis: countAxis,
    yAxis: { type: "category", inverse: true,
             data: data.industry.map(function (b) { return b.label.split(" ").pop(); }) },
    series: [
      { name: industry && industry.dataset.resumed, type: "bar", color: PALETTE.resumed,
        data: data.industry.map(function (b) { return b.resumed; }) },
      { name: industry && industry.dataset.total, type: "bar", color: PALETTE.total,
        data: data.industry.map(function (b) { return b.enterprises; }) }
    ]
  }, function (p) {
    drill({ industry: data.industry[p.dataIndex].key,
            figure: p.seriesIndex === 0 ? "resumed" : "enterprises" });
  });

  /* Work orders by category: open and overdue, clicking through to the queue. */
  var orders = document.getElementById("chart-orders");
  if (data.orders) {
    chart("chart-orders", {
      xAxis: { type: "category", data: data.orders.map(function (r) { return r.label; }),
               axisLabel: { interval: 0, rotate: data.orders.length > 6 ? 30 : 0 } },
      yAxis: countAxis,
      series: [
        { name: orders && orders.dataset.open, type: "bar", color: PALETTE.open,
          data: data.orders.map(function (r) { return r.open; }) },
        { name: orders && orders.dataset.overdue, type: "bar", color: PALETTE.overdue,
          data: data.orders.map(function (r) { return r.overdue; }) }
      ]
    }, function (p) {
      var q = new URLSearchParams({ view: p.seriesIndex === 0 ? "open" : "overdue",
                                    category: data.orders[p.dataIndex].key });
      window.location.href = data.queue + "?" + q.toString();
    });
  }
})();
