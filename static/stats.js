// Statistics pages: draws the chart from the data-chart attribute of #stats-chart with uPlot
// (static/uplot-*.min.js). The CSP allows no inline script, so the data travels in that attribute
// and the same numbers are in the table under the chart. Lines differ by dash and marker shape,
// not by colour alone. Clicking a day opens its details (the day's link in the table).
(function () {
  function draw() {
    var holder = document.getElementById("stats-chart");
    if (!holder || holder.dataset.drawn || typeof uPlot === "undefined") return;
    holder.dataset.drawn = "1";
    var data = JSON.parse(holder.getAttribute("data-chart") || "{}");
    var xs = data.days.map(function (d) { return d / 1000; });
    var styles = [
      { stroke: "#1d4ed8", dash: [], shape: "circle" },
      { stroke: "#b45309", dash: [8, 5], shape: "square" },
      { stroke: "#047857", dash: [2, 4], shape: "circle" },
    ];
    var series = [{ label: "Day (UTC)", value: function (u, v) { return v == null ? "" : new Date(v * 1000).toISOString().slice(0, 10); } }];
    var columns = [xs];
    data.lines.forEach(function (line, i) {
      var s = styles[i % styles.length];
      series.push({ label: line.label, stroke: s.stroke, width: 2, dash: s.dash, points: { show: xs.length <= 120, size: i === 0 ? 6 : 7, fill: i === 0 ? s.stroke : "#fff" } });
      columns.push(line.values);
    });
    if (data.limit !== null && data.limit !== undefined) {
      series.push({ label: "Quantity", stroke: "#6b7280", width: 1, dash: [2, 3], points: { show: false } });
      columns.push(xs.map(function () { return data.limit; }));
    }
    var width = Math.max(320, holder.clientWidth);
    var plot = new uPlot(
      {
        width: width,
        height: 280,
        series: series,
        // Times are UTC on every page: the axis shows UTC dates, whatever the browser's zone.
        tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
        scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
        axes: [
          { space: 80, incrs: [1, 2, 7, 14, 30, 61, 91, 182, 365, 730].map(function (d) { return d * 86400; }), values: function (u, splits) { return splits.map(function (s) { return new Date(s * 1000).toISOString().slice(0, 10); }); } },
          { size: 60 },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      columns,
      holder
    );
    plot.over.addEventListener("click", function () {
      var i = plot.cursor.idx;
      if (i == null || !data.dayLinks || !data.dayLinks[i]) return;
      var link = document.querySelector('.stats-table a[href="' + data.dayLinks[i] + '"]');
      if (link) link.click();
      else window.location.assign(data.dayLinks[i]);
    });
    plot.over.classList.add("clickable");
    window.addEventListener("resize", function () {
      plot.setSize({ width: Math.max(320, holder.clientWidth), height: 280 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  window.addEventListener("load", draw);
})();
