/* Draws the page's plotly figures. Each figure is a <div> followed by its data in a JSON block,
 * <script type="application/json" data-plotly-figure="<the div's id>"> (written by
 * dashboards.figures.figure_html): data is never executed, so the Content-Security-Policy
 * allows scripts from this site only, no inline code. Loaded deferred after plotly.js and its
 * French locale (tracker.web.charts.chart_scripts); a figure that fails leaves the others drawn.
 *
 * The figure's data is drawn as given; only its layout is fitted to the screen:
 * - French pages (<html lang="fr">) use plotly's "fr" locale (dates, decimal comma);
 * - on a phone (a chart narrower than NARROW px), axis titles, which a vertical axis of 300 px
 *   cuts ("Évolution des déchets par rapport au mois de réf…"), are written above the plot,
 *   wrapped; month labels keep their first line ("Mois 1"); the legend sits under the plot,
 *   one entry a line, in a smaller font. */
"use strict";
(function () {
  var NARROW = 600;

  function wrap(text, width) {
    var words = String(text).replace(/<br>/g, " ").split(/\s+/), lines = [], line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) lines.push(line);
    return lines;
  }

  function fitToPhone(layout, data, width) {
    var annotations = (layout.annotations || []).slice(), top = 0;
    var axes = Object.keys(layout).filter(function (key) { return /^yaxis\d*$/.test(key); });
    var perLine = Math.max(16, Math.floor((width / (axes.length > 1 ? 2 : 1)) / 6.5));
    axes.forEach(function (key, index) {
      var axis = layout[key], title = axis.title && (axis.title.text || axis.title);
      if (!title || typeof title !== "string") return;
      var lines = wrap(title, perLine), right = axis.side === "right" || index > 0;
      annotations.push({text: lines.join("<br>"), xref: "paper", yref: "paper",
                        x: right ? 1 : 0, xanchor: right ? "right" : "left", align: right ? "right" : "left",
                        y: 1, yanchor: "bottom", yshift: 8, showarrow: false,
                        font: {size: 11, color: "#1b1f1d"}});
      axis.title = {text: ""};
      top = Math.max(top, lines.length * 14 + 16);
    });
    layout.annotations = annotations;
    layout.margin = Object.assign({}, layout.margin || {}, {t: Math.max(top, 20), l: 10, r: 10});
    Object.keys(layout).filter(function (key) { return /^xaxis\d*$/.test(key); })
      .forEach(function (key) {
        var axis = layout[key], categories = [];
        data.forEach(function (trace) {
          (trace.x || []).forEach(function (x) {
            if (typeof x === "string" && categories.indexOf(x) < 0) categories.push(x);
          });
        });
        if (categories.some(function (c) { return c.indexOf("<br>") >= 0; })) {
          axis.tickmode = "array";
          axis.tickvals = categories;
          axis.ticktext = categories.map(function (c) { return c.split("<br>")[0]; });
        }
        axis.tickfont = Object.assign({}, axis.tickfont || {}, {size: 11});
        axis.automargin = true;
      });
    layout.legend = Object.assign({}, layout.legend || {}, {
      orientation: "v", x: 0, xanchor: "left", y: -0.12, yanchor: "top",
      font: {size: 12}});
    layout.font = Object.assign({}, layout.font || {}, {size: 12});
    return layout;
  }

  function draw(block) {
    var div = document.getElementById(block.getAttribute("data-plotly-figure"));
    if (!div) return;
    try {
      var figure = JSON.parse(block.textContent);
      var config = Object.assign({}, figure.config || {});
      var lang = (document.documentElement.lang || "").slice(0, 2);
      if (lang === "fr") config.locale = "fr";
      var layout = figure.layout || {};
      var width = div.clientWidth || window.innerWidth;
      if (width < NARROW) layout = fitToPhone(layout, figure.data, width);
      window.Plotly.newPlot(div, figure.data, layout, config);
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
