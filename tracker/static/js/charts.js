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
 *   one entry a line, in a smaller font;
 * - the margins are worked out before the chart is drawn (fitMargins), from the text it will
 *   show: plotly draws a chart, then widens its margins for the tick labels (automargin) and
 *   the legend and draws it all again (plots.js doAutoMargin → didMarginChange → _doPlot), a
 *   second full draw of ~200 ms on a desktop. Margins that already hold every label leave
 *   nothing to widen: one draw. automargin stays on, so a label wider than foreseen is never
 *   cut: it costs the second draw again (tests/browser/test_chart_draws.py counts them). */
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

  /* plotly's own measures (plotly.js 3.7.0): a margin push is padded by PAD px; a y axis's
   * tick labels push its margin by their width + AXIS_DEPTH px (tick label standoff and the
   * title's room); a legend entry is max(16, 1.3 × font size) + 3 px high and its text starts
   * LEGEND_TEXT_GAP px in; the legend adds LEGEND_END px and GROUP_GAP px between groups.
   * SLACK covers the difference between the canvas's measure of a text and the SVG's. */
  var FONT = '"Open Sans", verdana, arial, sans-serif';
  var PAD = 12, AXIS_DEPTH = 26, SLACK = 4, LEGEND_TEXT_GAP = 40, LEGEND_END = 10,
    GROUP_GAP = 10, ITEM_GAP = 5, LEGEND_BELOW = 10, LINE = 1.3;
  var context = null;

  function textWidth(text, size) {
    if (!context) context = document.createElement("canvas").getContext("2d");
    context.font = size + "px " + FONT;
    return String(text).split(/<br\s*\/?>/).reduce(function (widest, line) {
      return Math.max(widest, context.measureText(line.replace(/<[^>]*>/g, "")).width);
    }, 0);
  }

  var TYPED = {i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array,
               u4: Uint32Array, f4: Float32Array, f8: Float64Array};

  /* A trace's array: a list, or plotly.py's typed array ({dtype: "f8", bdata: base64}). */
  function values(array) {
    if (Array.isArray(array)) return array;
    if (array && typeof array.bdata === "string" && TYPED[array.dtype]) {
      var bytes = atob(array.bdata), buffer = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
      return Array.prototype.slice.call(new TYPED[array.dtype](buffer.buffer));
    }
    return [];
  }

  function lineCount(text) { return String(text).split(/<br\s*\/?>/).length; }

  function axisKey(ref) { return ref.charAt(0) + "axis" + ref.slice(1); }  // "y2" → "yaxis2"

  /* The tick step plotly picks for a linear axis `length` px long over [low, high]
   * (axes.js autoTicks: about one tick per 40 px, 4 to 9 ticks, rounded up to 2, 5 or 10). */
  function tickStep(low, high, length) {
    var ticks = Math.min(Math.max(length / 40, 4), 9) + 1;
    var rough = Math.abs(high - low) / ticks || 1;
    var base = Math.pow(10, Math.floor(Math.log(rough) / Math.LN10)), ratio = rough / base;
    return base * (ratio <= 2 ? 2 : ratio <= 5 ? 5 : 10);
  }

  function tickLabel(value, decimals, separators, grouped, suffix) {
    var parts = Math.abs(value).toFixed(decimals).split("."), whole = parts[0];
    if (grouped || whole.length > 4) {
      whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separators.charAt(1) || ",");
    }
    var negative = value < 0 && Number(parts.join(".")) !== 0;
    return (negative ? "\u2212" : "") + whole + (parts[1] ? separators.charAt(0) + parts[1] : "")
      + (suffix || "");
  }

  /* The widest tick label of a y axis: its values (bars stacked as drawn), the range plotly
   * would give them (or the axis's own), the labels of every tick of that range. The range is
   * taken a little wider too, and both steps' labels count: a label too wide costs a few
   * pixels of margin, one too narrow a second draw. */
  function widestTick(layout, data, ref, length, size) {
    var axis = layout[axisKey(ref)] || {}, found = [], stacks = {};
    var stacked = layout.barmode === "stack" || layout.barmode === "relative";
    data.forEach(function (trace) {
      if ((trace.yaxis || "y") !== ref || trace.visible === false) return;
      var bar = trace.type === "bar";
      var xs = values(trace.x);
      values(trace.y).forEach(function (y, i) {
        if (y === null || y === undefined || isNaN(y)) return;
        if (bar && stacked) {
          var key = xs[i] + (y < 0 ? "-" : "+");
          stacks[key] = (stacks[key] || 0) + Number(y);
        } else {
          found.push(Number(y));
        }
        if (bar || axis.rangemode === "tozero") found.push(0);
      });
    });
    Object.keys(stacks).forEach(function (key) { found.push(stacks[key]); });
    if (!found.length) return 0;
    var low = Math.min.apply(null, found), high = Math.max.apply(null, found);
    var ranges = Array.isArray(axis.range) ? [axis.range]
      : [[low, high], [low - 0.1 * (high - low), high + 0.1 * (high - low)]];
    var separators = layout.separators || ".,", widest = 0;
    var grouped = axis.separatethousands === true, suffix = axis.ticksuffix || "";
    ranges.forEach(function (range) {
      var step = axis.dtick || tickStep(range[0], range[1], length);
      var decimals = axis.tickformat === ",d" || axis.tickformat === "d" ? 0
        : Math.max(0, -Math.floor(Math.log(step) / Math.LN10 + 1e-9));
      var first = Math.ceil(Math.min(range[0], range[1]) / step);
      var last = Math.floor(Math.max(range[0], range[1]) / step);
      for (var k = first; k <= last && k - first < 50; k++) {
        widest = Math.max(widest, textWidth(tickLabel(k * step, decimals, separators, grouped,
                                                      suffix), size));
      }
    });
    return widest;
  }

  /* The legend's height as plotly lays it out (legend/draw.js computeLegendDimensions):
   * one entry a line when vertical; in rows as wide as the plot when horizontal, entries of
   * a legend group one under the other. */
  function legendHeight(layout, data, plotWidth) {
    var shown = data.filter(function (trace) { return trace.showlegend !== false; });
    var visible = layout.showlegend !== undefined ? layout.showlegend : shown.length > 1;
    if (!visible || !shown.length) return 0;
    var legend = layout.legend || {}, size = (legend.font && legend.font.size)
      || (layout.font && layout.font.size) || 12;
    var item = Math.max(LINE * size, 16) + 3;
    var grouped = shown.some(function (trace) { return trace.legendgroup; });
    var groups = [], byName = {};
    shown.forEach(function (trace) {
      var width = textWidth(trace.name || "", size) + LEGEND_TEXT_GAP;
      var group = trace.legendgroup && grouped ? byName[trace.legendgroup] : null;
      if (!group) {
        group = {count: 0, width: 0};
        groups.push(group);
        if (trace.legendgroup) byName[trace.legendgroup] = group;
      }
      group.count += 1;
      group.width = Math.max(group.width, width);
    });
    var height;
    if (legend.orientation !== "h") {
      height = shown.length * item + LEGEND_END + (grouped ? (groups.length - 1) * GROUP_GAP : 0);
    } else if (grouped) {
      var x = 0, rowsHeight = 0, rowHeight = 0;
      groups.forEach(function (group) {
        if (x > 0 && group.width + ITEM_GAP + x > plotWidth) {
          rowsHeight += rowHeight + GROUP_GAP;
          x = 0;
          rowHeight = 0;
        }
        rowHeight = Math.max(rowHeight, group.count * item);
        x += group.width + ITEM_GAP;
      });
      height = rowsHeight + rowHeight + LEGEND_END;
    } else {
      var widths = groups.map(function (group) { return group.width; });
      var total = widths.reduce(function (a, b) { return a + b; }, 0)
        + (widths.length - 1) * ITEM_GAP;
      var rows = 1;
      if (total >= plotWidth) {
        var slot = Math.max.apply(null, widths) + ITEM_GAP, offset = 0;
        widths.forEach(function () {
          if (slot + offset - ITEM_GAP >= plotWidth && offset > 0) { rows += 1; offset = 0; }
          offset += slot;
        });
      }
      height = rows * item + LEGEND_END;
    }
    return Math.min(height, (layout.height || 450) / 2);  // plotly's cap for a legend below
  }

  /* The x axis's category labels: the angle they are drawn at, how far under the plot and
   * past its sides they reach. Flat if they fit side by side with room to spare, else turned
   * 30° (or 90° if even that overlaps): the angle is set on the axis, so that plotly, which
   * turns labels that overlap by its own measure, cannot turn them after the margins are set
   * (a label a pixel wider than measured here would cost a second draw). */
  function xLabels(layout, data, plotWidth) {
    var axis = layout.xaxis || {}, categories = [];
    data.forEach(function (trace) {
      if ((trace.xaxis || "x") !== "x") return;
      values(trace.x).forEach(function (x) {
        if (categories.indexOf(x) < 0) categories.push(x);
      });
    });
    if (!categories.length || categories.some(function (c) { return typeof c !== "string"; })) {
      return {below: 0, left: 0, right: 0};
    }
    var texts = axis.tickmode === "array" && axis.ticktext ? axis.ticktext : categories;
    var size = (axis.tickfont && axis.tickfont.size) || (layout.font && layout.font.size) || 12;
    var widths = texts.map(function (t) { return textWidth(t, size); });
    var widest = Math.max.apply(null, widths);
    var lines = Math.max.apply(null, texts.map(lineCount)), height = lines * LINE * size;
    var bars = data.some(function (trace) { return trace.type === "bar"; });
    // bars: n bands; lines and markers: n − 1 steps from the first category to the last
    var spacing = plotWidth / Math.max(1, bars ? categories.length : categories.length - 1);
    var half = bars ? spacing / 2 : 0;  // bars leave half a band on each side, lines none
    var first = widths[0], last = widths[widths.length - 1];
    var angle = typeof axis.tickangle === "number" ? axis.tickangle
      : widest + 8 <= spacing ? 0 : height * 2 + 4 <= spacing ? 30 : 90;
    if (angle === 0) {
      return {angle: 0, below: height + 2, left: Math.max(0, first / 2 - half),
              right: Math.max(0, last / 2 - half)};
    }
    if (angle === 30) {  // the label runs down to the right of its tick
      return {angle: 30, below: widest * 0.5 + height * 0.87 + 2, left: 0,
              right: Math.max(0, last * 0.87 + height * 0.5 - half)};
    }
    if (angle === 90) {
      return {angle: 90, below: widest + 2, left: 0, right: Math.max(0, height / 2 - half)};
    }
    return {below: 0, left: 0, right: 0};  // an angle of the figure's own: left to plotly
  }

  /* An axis title longer than its vertical axis (a desktop's 300 px) is wrapped, its words
   * kept whole, so that no end of it is cut; returns the room its added lines take. */
  function titleLines(axis, size, length) {
    var title = axis.title && (typeof axis.title === "string" ? axis.title : axis.title.text);
    if (!title || typeof title !== "string") return 0;
    var titleSize = (axis.title.font && axis.title.font.size) || Math.round(size * 1.2);
    if (textWidth(title, titleSize) <= length - 8) return (lineCount(title) - 1) * LINE * titleSize;
    var words = title.replace(/<br>/g, " ").split(/\s+/), lines = [], line = "";
    words.forEach(function (word) {
      var next = line ? line + " " + word : word;
      if (line && textWidth(next, titleSize) > length - 8) { lines.push(line); line = word; }
      else { line = next; }
    });
    if (line) lines.push(line);
    axis.title = Object.assign({}, typeof axis.title === "string" ? {} : axis.title,
                               {text: lines.join("<br>")});
    return (lines.length - 1) * LINE * titleSize;
  }

  /* Margins that hold the tick labels, the axis titles and the legend before plotly draws:
   * nothing left for its automargin to widen, so it draws the chart once. The legend is set
   * just under the x labels (its y is a fraction of the plot's height). */
  function fitMargins(layout, data, width) {
    var height = layout.height || 450, margin = Object.assign({}, layout.margin || {});
    var base = {l: margin.l || 0, r: margin.r || 0, t: margin.t || 0, b: margin.b || 0};
    var size = (layout.font && layout.font.size) || 12;
    var yAxes = Object.keys(layout).filter(function (key) { return /^yaxis\d*$/.test(key); });
    var refs = ["y"];
    data.forEach(function (trace) {
      if (trace.yaxis && refs.indexOf(trace.yaxis) < 0) refs.push(trace.yaxis);
    });
    var domain = ((layout.xaxis || {}).domain || [0, 1]);
    var fit = {l: base.l, r: base.r, t: base.t, b: base.b}, below = 0;
    for (var pass = 0; pass < 2; pass++) {  // the x labels need the width, the y labels the height
      var plotWidth = width - fit.l - fit.r, plotHeight = height - fit.t - fit.b;
      var labels = xLabels(layout, data, plotWidth * (domain[1] - domain[0]));
      var legend = legendHeight(layout, data, plotWidth);
      below = labels.below;
      fit.b = Math.max(base.b, below + PAD, legend ? below + LEGEND_BELOW + legend + PAD : 0)
        + SLACK;
      plotHeight = height - fit.t - fit.b;
      var left = labels.left ? labels.left + PAD : 0, right = labels.right ? labels.right + PAD : 0;
      refs.forEach(function (ref) {
        var axis = layout[axisKey(ref)] || {};
        var tickSize = (axis.tickfont && axis.tickfont.size) || size;
        var depth = widestTick(layout, data, ref, plotHeight, tickSize) + AXIS_DEPTH + PAD;
        depth += titleLines(axis, size, plotHeight);
        if (axis.side === "right") {
          // an axis at the end of the x domain: its labels may use the plot's width past it
          var end = domain[1], room = (1 - end) * (width - fit.l);
          right = Math.max(right, end > 0 ? (depth - room) / end : depth);
        } else {
          left = Math.max(left, depth);
        }
      });
      fit.l = Math.max(base.l, left && Math.ceil(left + SLACK));
      fit.r = Math.max(base.r, right && Math.ceil(right + SLACK));
    }
    fit.b = Math.ceil(fit.b);
    layout.margin = Object.assign(margin, fit);
    if (labels.angle !== undefined && layout.xaxis) {
      layout.xaxis = Object.assign({}, layout.xaxis, {tickangle: labels.angle});
    }
    if (yAxes.length && legendHeight(layout, data, width - fit.l - fit.r)) {
      var plot = height - fit.t - fit.b;
      layout.legend = Object.assign({}, layout.legend || {}, {
        y: -(below + LEGEND_BELOW) / plot, yanchor: "top"});
    }
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
      if (div.clientWidth) {
        try {
          layout = fitMargins(layout, figure.data || [], div.clientWidth);
        } catch (error) {  // plotly's automargin still fits the chart, in two draws
          console.error("chart " + div.id + ": margins not worked out:", error);
        }
      }
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
