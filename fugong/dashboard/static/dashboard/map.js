// The command centre's map: regions coloured by resumption rate (stored GeoJSON registered with
// the vendored ECharts, no tiles), enterprises as points coloured by status; a region click
// opens the drill-down of its enterprises.
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  var data = JSON.parse(document.getElementById("map-data").textContent);
  if (!el || !data.geo.features.length) return;
  var colours = { full: "#2fb344", partial: "#f59f00", not_resumed: "#d63939", never_reported: "#667382" };
  echarts.registerMap("fugong-region", data.geo);
  var chart = echarts.init(el);
  var names = Object.keys(data.regions);
  chart.setOption({
    title: { text: el.dataset.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
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
      {
        type: "scatter", coordinateSystem: "geo", symbolSize: 6, name: el.dataset.enterprises,
        data: data.points.map(function (p) {
          return { name: p.name, value: p.value, label: p.label, url: p.url, itemStyle: { color: colours[p.status] } };
        })
      }
    ]
  });
  chart.on("click", function (p) {
    if (p.seriesType === "scatter" && p.data) { window.location.href = p.data.url; return; }
    var r = data.regions[p.name];
    if (r) window.location.href = r.url;
  });
  window.addEventListener("resize", function () { chart.resize(); });
  window.fugongMap = chart;
})();
