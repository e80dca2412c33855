// The command centre's map: regions coloured by resumption rate (stored GeoJSON registered with
// the vendored ECharts, no tiles), enterprises as points coloured by status; a region click
// opens the drill-down of its enterprises. ECharts does not cluster: the points are gathered
// here into a grid of CELL pixels at the current zoom (recomputed after each pan or zoom); a
// cell with one enterprise shows it, a cell with more shows a bubble with the count, coloured
// by the cell's most frequent status, and a click on it zooms in there.
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  var data = JSON.parse(document.getElementById("map-data").textContent);
  if (!el || !data.geo.features.length) return;
  var colours = { full: "#2fb344", partial: "#f59f00", not_resumed: "#d63939", never_reported: "#667382" };
  echarts.registerMap("fugong-region", data.geo);
  var chart = echarts.init(el);
  var names = Object.keys(data.regions);
  var CELL = 44;

  function point(p) {
    return { name: p.name, value: p.value, label: p.label, url: p.url, itemStyle: { color: colours[p.status] } };
  }

  function gather() {
    var cells = {};
    data.points.forEach(function (p) {
      var px = chart.convertToPixel({ geoIndex: 0 }, p.value);
      if (!px) return;
      var key = Math.floor(px[0] / CELL) + ":" + Math.floor(px[1] / CELL);
      (cells[key] = cells[key] || []).push(p);
    });
    var singles = [], groups = [];
    Object.keys(cells).forEach(function (key) {
      var members = cells[key];
      if (members.length === 1) { singles.push(point(members[0])); return; }
      var lon = 0, lat = 0, counts = {}, top = null;
      members.forEach(function (m) {
        lon += m.value[0]; lat += m.value[1];
        counts[m.status] = (counts[m.status] || 0) + 1;
        if (top === null || counts[m.status] > counts[top]) top = m.status;
      });
      groups.push({
        name: el.dataset.cluster.replace("{n}", members.length),
        value: [lon / members.length, lat / members.length, members.length],
        counts: counts,
        itemStyle: { color: colours[top] }
      });
    });
    return { singles: singles, groups: groups };
  }
  chart.setOption({
    title: { text: el.dataset.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        if (p.seriesType === "scatter" && p.data.counts) {
          return p.name + "<br>" + Object.keys(p.data.counts).map(function (k) {
            return (data.statuses[k] || k) + " " + p.data.counts[k];
          }).join("<br>");
        }
        if (p.seriesType === "scatter") return p.name + "<br>" + p.data.label;
        var r = data.regions[p.name];
        if (!r) return p.name;
        return p.name + "<br>" + el.dataset.rate + " " + (r.rate === null ? "—" : r.rate + "%") +
          "（" + r.resumed + "/" + r.enterprises + "）";
      }
    },
    visualMap: {
      seriesIndex: 0, min: 0, max: 100, calculable: true, left: 10, bottom: 10, text: ["100%", "0%"],
      inRange: { color: ["#fde2e1", "#ffe7a3", "#b7e4c7", "#2fb344"] }
    },
    legend: { show: false },
    geo: { map: "fugong-region", roam: true, label: { show: true, fontSize: 11 }, itemStyle: { borderColor: "#fff" } },
    series: [
      {
        type: "map", geoIndex: 0, name: el.dataset.rate,
        data: names.map(function (n) { return { name: n, value: data.regions[n].rate }; })
      },
      { type: "scatter", coordinateSystem: "geo", symbolSize: 6, name: el.dataset.enterprises, data: [] },
      {
        type: "scatter", coordinateSystem: "geo", name: el.dataset.clusters, data: [],
        symbolSize: function (value) { return Math.min(CELL - 6, 12 + 4 * Math.log2(value[2])); },
        itemStyle: { opacity: 0.85, borderColor: "#fff", borderWidth: 1 },
        label: { show: true, formatter: function (p) { return p.value[2]; }, color: "#fff", fontSize: 11 }
      }
    ]
  });
  function regroup() {
    // the tooltip and the hover state may point at a bubble about to go: drop them first
    chart.dispatchAction({ type: "hideTip" });
    chart.dispatchAction({ type: "downplay" });
    var found = gather();
    chart.setOption({ series: [{}, { data: found.singles }, { data: found.groups }] });
    el.dataset.clusterCount = String(found.groups.length);
    el.dataset.singleCount = String(found.singles.length);
  }
  var pending = null;
  chart.on("georoam", function () {
    clearTimeout(pending);
    pending = setTimeout(regroup, 120);
  });
  regroup();
  chart.on("click", function (p) {
    if (p.seriesType === "scatter" && p.data && p.data.counts) {
      var zoom = (chart.getOption().geo[0].zoom || 1) * 2.5;
      var centre = p.data.value.slice(0, 2);
      setTimeout(function () {  // not inside ECharts' own click handling
        chart.setOption({ geo: { center: centre, zoom: zoom } });
        regroup();
      }, 0);
      return;
    }
    if (p.seriesType === "scatter" && p.data) { window.location.href = p.data.url; return; }
    var r = data.regions[p.name];
    if (r) window.location.href = r.url;
  });
  window.addEventListener("resize", function () { chart.resize(); regroup(); });
  window.fugongMap = chart;
})();
