// Draws the dashboard charts with the vendored Chart.js from the tables the page embeds
// (json_script): the same numbers as the "The numbers" tables and the CSV downloads.
(function () {
  "use strict";
  const colours = {
    blue: "#0b5ed7", teal: "#168a72", red: "#b02a37", orange: "#c35a00",
    grey: "#495057", purple: "#6f42c1",
  };
  const monthLabel = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric" });
  const month = (iso) => monthLabel.format(new Date(iso + "T00:00:00"));
  const column = (rows, index, sign = 1) => rows.map((row) => sign * Number(row[index]));

  const builders = {
    // Month, New, Expansion, Cancelled, Not renewed, Net: gains up, losses down, net line.
    seats: (rows) => ({
      type: "bar",
      data: {
        labels: rows.map((row) => month(row[0])),
        datasets: [
          { label: "New", data: column(rows, 1), backgroundColor: colours.blue, stack: "seats" },
          { label: "Expansion", data: column(rows, 2), backgroundColor: colours.teal, stack: "seats" },
          { label: "Cancelled", data: column(rows, 3, -1), backgroundColor: colours.red, stack: "seats" },
          { label: "Not renewed", data: column(rows, 4, -1), backgroundColor: colours.orange, stack: "seats" },
          { label: "Net", data: column(rows, 5), type: "line", borderColor: colours.grey,
            backgroundColor: colours.grey },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "Seats" } } } },
    }),
    // Month, Trials ended, Converted, Conversion rate (fraction or empty).
    rate: (rows) => ({
      type: "bar",
      data: {
        labels: rows.map((row) => month(row[0])),
        datasets: [
          { label: "Conversion rate (%)", type: "line", yAxisID: "rate", borderColor: colours.purple,
            backgroundColor: colours.purple, spanGaps: false,
            data: rows.map((row) => (row[3] === "" ? null : Math.round(Number(row[3]) * 1000) / 10)) },
          { label: "Trials ended", data: column(rows, 1), backgroundColor: "#adb5bd", yAxisID: "trials" },
        ],
      },
      options: { scales: {
        rate: { position: "left", min: 0, max: 100, title: { display: true, text: "Converted (%)" } },
        trials: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                  title: { display: true, text: "Trials ended" } },
      } },
    }),
    // Bucket, Customers.
    bars: (rows) => ({
      type: "bar",
      data: { labels: rows.map((row) => row[0]),
              datasets: [{ label: "Customers", data: column(rows, 1), backgroundColor: colours.blue }] },
      options: { plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Customers" } } } },
    }),
    // Month, Licenses due, Annual value.
    renewals: (rows) => ({
      type: "bar",
      data: {
        labels: rows.map((row) => month(row[0])),
        datasets: [
          { label: "Annual value", type: "line", yAxisID: "value", data: column(rows, 2),
            borderColor: colours.orange, backgroundColor: colours.orange },
          { label: "Licenses due", data: column(rows, 1), backgroundColor: colours.teal, yAxisID: "licenses" },
        ],
      },
      options: { scales: {
        licenses: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Licenses" } },
        value: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                 title: { display: true, text: "Annual value" } },
      } },
    }),
  };

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const table = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    const config = builders[table.kind](table.rows);
    config.options = { ...config.options, maintainAspectRatio: false, animation: false,
                       interaction: { mode: "index", intersect: false } };
    new Chart(canvas, config);
  });
})();
