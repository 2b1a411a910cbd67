// Draws a license's seats over time (licensed, assigned, active) with the vendored Chart.js,
// from the table the page embeds (json_script): the same numbers as "The numbers".
(function () {
  "use strict";
  const canvas = document.querySelector("canvas[data-usage-chart]");
  if (!canvas) {
    return;
  }
  const table = JSON.parse(document.getElementById(canvas.dataset.usageChart).textContent);
  const column = (index) => table.rows.map((row) => (row[index] === "" ? null : Number(row[index])));
  const line = (label, index, colour, extra = {}) => ({
    label, data: column(index), borderColor: colour, backgroundColor: colour, pointRadius: 0, ...extra,
  });
  new Chart(canvas, {
    type: "line",
    data: {
      labels: table.rows.map((row) => row[0]),
      datasets: [
        line("Licensed", 1, "#495057", { stepped: true, borderDash: [6, 4] }),
        line("Assigned", 2, "#0b5ed7"),
        line("Active (30 days)", 3, "#168a72"),
        line("Active (7 days)", 4, "#c35a00", { hidden: true }),
      ],
    },
    options: {
      maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Seats" } } },
    },
  });
})();
