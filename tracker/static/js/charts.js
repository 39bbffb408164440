/* Draws the page's plotly figures. Each figure is a <div> followed by its data in a JSON block,
 * <script type="application/json" data-plotly-figure="<the div's id>"> (written by
 * dashboards.figures.figure_html): data is never executed, so the Content-Security-Policy
 * allows scripts from this site only, no inline code. Loaded deferred after plotly.js
 * (tracker.web.charts.chart_scripts); a figure that fails leaves the others drawn. */
"use strict";
(function () {
  function draw(block) {
    var div = document.getElementById(block.getAttribute("data-plotly-figure"));
    if (!div) return;
    try {
      var figure = JSON.parse(block.textContent);
      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
    } catch (error) {
      console.error("chart " + div.id + " not drawn:", error);
    }
  }

  function drawAll() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-plotly-figure]');
    Array.prototype.forEach.call(blocks, draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
