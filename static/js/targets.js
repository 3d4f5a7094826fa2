// Targets dashboard: the figure of each share metric against its target, and the trend over the
// period from the daily snapshots. The data comes from the page (data-chart); Chart.js is vendored.
(function () {
  if (typeof Chart === "undefined") return;
  var bars = document.getElementById("targets-chart");
  if (bars) {
    var data = JSON.parse(bars.dataset.chart);
    new Chart(bars, {
      type: "bar",
      data: {labels: data.labels, datasets: [
        {label: data.figure_label, data: data.values, backgroundColor: "#3b82f6"},
        {label: data.target_label, data: data.targets, backgroundColor: "#f59e0b"}
      ]},
      options: {indexAxis: "y", scales: {x: {min: 0, max: 100}}, animation: false}
    });
  }
  var trend = document.getElementById("trend-chart");
  if (trend) {
    var t = JSON.parse(trend.dataset.chart);
    new Chart(trend, {
      type: "line",
      data: {labels: t.labels, datasets: t.series.map(function (s) {
        return {label: s.label, data: s.values, spanGaps: true, tension: 0.2};
      })},
      options: {scales: {y: {min: 0, max: 100}}, animation: false}
    });
  }
})();
