/* Draw the dashboard's charts with plotly.js (served from the plotly wheel) from the JSON in the page.
   Loaded with `defer` BEFORE plotly.min.js. plotly.js (and the map library bundled in it) put their
   CSS into <style> elements they create; the page's Content-Security-Policy admits inline style only
   with the page's nonce, so style elements created on this page are given the nonce this script
   carries. Nothing else may run here: script-src is 'self' plus the same nonce. */
(function () {
  "use strict";
  var nonce = document.currentScript && document.currentScript.nonce;
  if (nonce) {
    var create = document.createElement.bind(document);
    document.createElement = function (name, options) {
      var node = create(name, options);
      if (String(name).toLowerCase() === "style") node.nonce = nonce;
      return node;
    };
  }

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function theme() {
    var dark = document.body.classList.contains("wall");
    return {
      dark: dark,
      ink: dark ? "#e8edf5" : "#1f2328",
      grid: dark ? "#25406b" : "#e3e7ec",
      paper: "rgba(0,0,0,0)",
      local: dark ? "#ff8a65" : "#b3261e",
      imported: dark ? "#64b5f6" : "#0b57d0",
      font: '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif',
      size: dark ? 16 : 13
    };
  }

  function layout(t, xTitle, yTitle) {
    return {
      barmode: "stack",
      margin: { l: 50, r: 10, t: 10, b: 45 },
      paper_bgcolor: t.paper,
      plot_bgcolor: t.paper,
      font: { family: t.font, color: t.ink, size: t.size },
      xaxis: { title: { text: xTitle }, gridcolor: t.grid, type: "date", tickformat: "%-m月%-d日" },
      yaxis: { title: { text: yTitle }, gridcolor: t.grid, rangemode: "tozero" },
      legend: { orientation: "h", y: 1.12 },
      hovermode: "x unified"
    };
  }

  var config = { displayModeBar: false, responsive: true, locale: "zh-CN" };

  function curve() {
    var d = data("curve-data");
    var el = document.getElementById("curve-chart");
    if (!d || !el) return;
    var t = theme();
    var traces = [
      { type: "bar", name: d.labels.local, x: d.days, y: d.local, marker: { color: t.local } },
      { type: "bar", name: d.labels.imported, x: d.days, y: d.imported, marker: { color: t.imported } }
    ];
    window.Plotly.newPlot(el, traces, layout(t, d.labels.x, d.labels.y), config);
  }

  function rt() {
    var d = data("rt-data");
    var el = document.getElementById("rt-chart");
    if (!d || !el || !d.series.length) return;
    var t = theme();
    var traces = [];
    d.series.forEach(function (s, i) {
      var visible = i === 0 ? true : "legendonly";
      traces.push({ x: s.days.concat(s.days.slice().reverse()), y: s.high.concat(s.low.slice().reverse()),
        fill: "toself", type: "scatter", mode: "lines", line: { width: 0 }, hoverinfo: "skip",
        fillcolor: i === 0 ? "rgba(179,38,30,0.18)" : "rgba(11,87,208,0.12)", showlegend: false,
        legendgroup: s.name, visible: visible });
      traces.push({ x: s.days, y: s.mean, type: "scatter", mode: "lines", name: s.name, legendgroup: s.name,
        line: { width: i === 0 ? 3 : 1.5 }, visible: visible });
    });
    var l = layout(t, d.labels.x, "Rt");
    l.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { dash: "dot", color: t.ink, width: 1 } }];
    window.Plotly.newPlot(el, traces, l, config);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Plotly) return;
    curve();
    rt();
  });
})();
