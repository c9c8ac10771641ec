/* The report charts: every <canvas data-chart="…"> is drawn from the JSON block #chart-data
 * (written by Django's json_script; labels arrive translated). No inline scripts, no CDN:
 * Chart.js is vendored in static/vendor/chartjs/. Also wires [data-print] buttons. */
(function () {
  "use strict";

  var RED = "#c0392b";
  var DARK_RED = "#8b1a1a";
  var BLUE = "#2e6fb7";
  var GREEN = "#3c9d5d";
  var AMBER = "#e0a526";
  var GREY = "#9aa3ad";
  var PALETTE = ["#8b1a1a", "#2e6fb7", "#3c9d5d", "#d4a017", "#6d2d8f", "#16808a",
                 "#c05a2b", "#5b6770", "#a83f6b", "#4f7f2f", "#385a9c", "#9aa3ad"];

  function bindPrint() {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }

  function readData() {
    var block = document.getElementById("chart-data");
    return block ? JSON.parse(block.textContent) : null;
  }

  function options(extra) {
    var result = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } }
    };
    for (var key in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, key)) result[key] = extra[key];
    }
    return result;
  }

  function countAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }

  function isEmpty(values) {
    for (var i = 0; i < values.length; i++) {
      if (values[i]) return false;
    }
    return true;
  }

  // Departments' bars: the worst red, those below a floor amber, the rest in the series colour.
  function markedColours(d, colour) {
    return d.labels.map(function (_label, i) {
      if (d.worst[i]) return RED;
      if (d.below[i]) return AMBER;
      return colour;
    });
  }

  function floorLine(label, value, count, colour) {
    var points = [];
    for (var i = 0; i < count; i++) points.push(value);
    return {
      type: "line", label: label, data: points, borderColor: colour, borderDash: [6, 4],
      borderWidth: 2, pointRadius: 0, fill: false
    };
  }

  var BUILDERS = {
    weekly: function (data) {
      var d = data.weekly;
      return {
        values: d.values,
        config: {
          type: "bar",
          data: { labels: d.labels, datasets: [{ label: d.series, data: d.values, backgroundColor: DARK_RED }] },
          options: options({
            scales: { y: countAxis() },
            plugins: {
              legend: { display: false },
              tooltip: { callbacks: { title: function (items) { return d.titles[items[0].dataIndex]; } } }
            }
          })
        }
      };
    },
    category: function (data) {
      var d = data.category;
      return {
        values: d.values,
        config: {
          type: "bar",
          data: { labels: d.labels, datasets: [{ label: d.series, data: d.values, backgroundColor: BLUE }] },
          options: options({ indexAxis: "y", scales: { x: countAxis() } })
        }
      };
    },
    colour: function (data) {
      var d = data.colour;
      return {
        values: d.values,
        config: {
          type: "doughnut",
          data: { labels: d.labels, datasets: [{ label: d.series, data: d.values, backgroundColor: d.colours }] },
          options: options({ plugins: { legend: { display: true, position: "right" } } })
        }
      };
    },
    source: function (data) {
      var d = data.source;
      return {
        values: d.values,
        config: {
          type: "doughnut",
          data: { labels: d.labels, datasets: [{ label: d.series, data: d.values, backgroundColor: PALETTE }] },
          options: options({ plugins: { legend: { display: true, position: "right" } } })
        }
      };
    },
    "department-volume": function (data) {
      var d = data.departments;
      return {
        values: d.received.concat(d.overdue),
        config: {
          type: "bar",
          data: {
            labels: d.labels,
            datasets: [
              { label: d.series.received, data: d.received, backgroundColor: BLUE },
              { label: d.series.overdue, data: d.overdue, backgroundColor: RED }
            ]
          },
          options: options({ scales: { y: countAxis() }, plugins: { legend: { display: true } } })
        }
      };
    },
    "department-rates": function (data) {
      var d = data.departments;
      var n = d.labels.length;
      return {
        values: d.closure_rate.concat(d.satisfaction_rate),
        config: {
          type: "bar",
          data: {
            labels: d.labels,
            datasets: [
              { label: d.series.closure_rate, data: d.closure_rate, backgroundColor: markedColours(d, BLUE) },
              {
                label: d.series.satisfaction_rate, data: d.satisfaction_rate,
                backgroundColor: markedColours(d, GREEN)
              },
              floorLine(d.series.on_time_floor, d.floors.on_time, n, DARK_RED),
              floorLine(d.series.satisfaction_floor, d.floors.satisfaction, n, GREY)
            ]
          },
          options: options({
            scales: {
              y: { beginAtZero: true, max: 100 },
              x: { ticks: { color: function (context) { return d.worst[context.index] ? RED : "#444"; } } }
            },
            plugins: { legend: { display: true } }
          })
        }
      };
    }
  };

  function draw() {
    bindPrint();
    var data = readData();
    if (!data || typeof window.Chart === "undefined") return;
    var body = getComputedStyle(document.body);
    window.Chart.defaults.font.family = body.fontFamily;
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      var build = BUILDERS[canvas.getAttribute("data-chart")];
      if (!build) continue;
      var chart = build(data);
      new window.Chart(canvas, chart.config);
      if (isEmpty(chart.values) && data.empty) {
        var note = document.createElement("p");
        note.className = "chart-empty";
        note.textContent = data.empty;
        canvas.parentNode.appendChild(note);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
