/* The risk map's stacked bars: per place one stack per family (leads, risks, cases), one segment
 * per colour. Data from the JSON block #risk-map-data (json_script; labels arrive translated).
 * No inline script, no CDN: Chart.js is vendored in static/vendor/chartjs/. */
(function () {
  "use strict";

  var COLOURS = { red: "#c0392b", yellow: "#e0a526", blue: "#2e6fb7", none: "#b8bec5" };
  // The same colour a shade apart per family, so the three stacks read apart.
  var ALPHA = { leads: "99", risks: "ff", cases: "cc" };

  function draw() {
    var block = document.getElementById("risk-map-data");
    var canvas = document.getElementById("chart-risk-map");
    if (!block || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var datasets = data.datasets.map(function (d) {
      return {
        label: d.label,
        stack: d.stack,
        data: d.data,
        backgroundColor: (COLOURS[d.colour] || COLOURS.none) + (ALPHA[d.stack] || "ff"),
        borderColor: "#ffffff",
        borderWidth: 1
      };
    });
    var total = 0;
    data.datasets.forEach(function (d) { d.data.forEach(function (n) { total += n; }); });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: {
          // Only the series that have something this period: twelve empty keys say nothing.
          legend: {
            display: true, position: "bottom",
            labels: {
              boxWidth: 12,
              filter: function (item, chartData) {
                return chartData.datasets[item.datasetIndex].data.some(function (n) { return n > 0; });
              }
            }
          },
          tooltip: { mode: "index", intersect: false, filter: function (item) { return item.raw > 0; } }
        }
      }
    });
    canvas.setAttribute("data-rendered", "true");
    if (!total && data.empty) {
      var note = document.createElement("p");
      note.className = "chart-empty";
      note.textContent = data.empty;
      canvas.parentNode.appendChild(note);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
