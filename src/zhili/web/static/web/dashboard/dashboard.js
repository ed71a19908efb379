// The officials' dashboards: maps coloured by grade or stars (Leaflet, no tiles), the trend and
// history lines and the indicator sunburst (Plotly). Data comes in <script type="application/json">
// blocks of the page; the shapes from /dash/shapes/<level>/. Nothing is fetched from elsewhere.
// Plotly (4 MB) is loaded once the maps are drawn, so that the table and the map never wait for it.
(function () {
  "use strict";
  const plotlyUrl = document.currentScript.dataset.plotly;
  const plotlyLocaleUrl = document.currentScript.dataset.plotlyLocale;
  const GRADE = { blue: "#2b6cb0", green: "#2f855a", yellow: "#d69e2e", orange: "#dd6b20", red: "#c53030" };
  const STARS = { 5: "#1f5f99", 4: "#3b82c4", 3: "#7fb2de", 2: "#e3b341", 1: "#dd6b20" };
  const NONE = "#a0aec0";
  const strings = json("dash-strings") || {};
  let config = {
    displaylogo: false, responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "toImage"],
  };
  const number = new Intl.NumberFormat(document.documentElement.lang || "zh-Hans", { maximumFractionDigits: 1 });

  function json(id) {
    const el = id && document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function bandColour(score, bands) {
    if (score === null || score === undefined) { return NONE; }
    for (const [floor, code] of bands) {
      if (floor === null || score >= floor) { return GRADE[code] || NONE; }
    }
    return NONE;
  }

  // --- maps -------------------------------------------------------------------------------
  async function choropleth(el) {
    const colours = json(el.dataset.colours) || {};
    const stars = el.dataset.mode === "stars";
    const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    const response = await fetch(el.dataset.shapes, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) { return; }
    const geo = await response.json();
    let painted = 0;
    const fill = (c) => (c ? (stars ? STARS[c.stars] : GRADE[c.grade]) || NONE : "#dfe4ea");
    const layer = L.geoJSON(geo, {
      style: (f) => {
        const c = colours[f.properties.code];
        const cls = c ? "painted " + (stars ? "s" + c.stars : "g-" + c.grade) : "unpainted";
        return { color: "#ffffff", weight: stars ? 0.6 : 1.2, fillColor: fill(c), fillOpacity: c ? 0.85 : 0.5, className: cls };
      },
      onEachFeature: (f, l) => {
        const p = f.properties;
        const c = colours[p.code];
        if (c) { painted += 1; }
        let tip = "<strong>" + escapeHtml(p.name) + "</strong>";
        if (c && stars) { tip += " " + "★".repeat(c.stars); }
        if (c && !stars) { tip += " " + escapeHtml(c.label || c.grade) + (c.total === null ? "" : " · " + number.format(c.total)); }
        l.bindTooltip(tip, { sticky: true });
        if (c && el.dataset.link) { l.on("click", () => { window.location.href = el.dataset.link.replace("CODE", p.code); }); }
        l.on("mouseover", () => l.setStyle({ weight: 3 }));
        l.on("mouseout", () => layer.resetStyle(l));
      },
    }).addTo(map);
    if (geo.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    el.dataset.painted = String(painted);
  }

  // --- lines ------------------------------------------------------------------------------
  const lineLayout = (extra) => Object.assign({
    margin: { l: 44, r: 12, t: 8, b: 36 },
    hovermode: "x unified",
    legend: { orientation: "h", y: -0.18 },
    yaxis: { title: { text: strings.score || "" }, rangemode: "tozero", fixedrange: true },
    xaxis: zhiliPlotly.dateAxis({ type: "date" }),
    font: { family: getComputedStyle(document.body).fontFamily, size: 12 },
  }, extra || {});

  // A trailing 7-day mean: a year of daily totals drawn raw is a band of noise; the mean shows
  // where a unit is heading. A window with fewer than 4 days of results is left blank.
  function mean7(ys) {
    return ys.map((_y, i) => {
      const w = ys.slice(Math.max(0, i - 6), i + 1).filter((v) => v !== null && v !== undefined);
      return w.length >= 4 ? Math.round(100 * w.reduce((a, b) => a + b, 0) / w.length) / 100 : null;
    });
  }

  // The grade bands behind the lines, faint: a line is read against "good" and "poor" at once.
  function bandShapes(bands) {
    const floors = (bands || []).map(([floor, code]) => [floor === null ? 0 : floor, code]);
    return floors.map(([floor, code], i) => ({
      type: "rect", xref: "paper", x0: 0, x1: 1, yref: "y", y0: floor, y1: i ? floors[i - 1][0] : 100,
      fillcolor: GRADE[code] || NONE, opacity: 0.1, line: { width: 0 }, layer: "below",
    }));
  }

  // The score axis around the lines (a few points either side), not 0–100: a daily total moves
  // by a point or two, which a full scale flattens into one band.
  function yRange(traces) {
    const ys = traces.flatMap((t) => t.y).filter((v) => v !== null && v !== undefined);
    if (!ys.length) { return {}; }
    const lo = Math.max(0, Math.floor(Math.min(...ys) - 3));
    const hi = Math.min(100, Math.ceil(Math.max(...ys) + 3));
    return { yaxis: { title: { text: strings.score || "" }, range: [lo, hi], fixedrange: true } };
  }

  function trend(el) {
    const d = json(el.dataset.source);
    if (!d || !d.dates.length) { return; }
    const selected = new Set(d.selected);
    let days = 90;
    document.querySelectorAll("#trend-picks input").forEach((box) => {
      box.checked = selected.has(box.value);
      box.addEventListener("change", () => { if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); } draw(); });
    });
    document.querySelectorAll("#trend-range button").forEach((b) => {
      b.addEventListener("click", () => {
        days = Number(b.dataset.days);
        document.querySelectorAll("#trend-range button").forEach((o) => o.classList.toggle("on", o === b));
        draw();
      });
    });
    function draw() {
      const last = new Date(d.dates[d.dates.length - 1] + "T00:00:00Z");
      const cutoff = new Date(last.getTime() - (days - 1) * 86400000).toISOString().slice(0, 10);
      const from = Math.max(0, d.dates.findIndex((x) => x >= cutoff));
      const x = d.dates.slice(from);
      const smooth = days > 30;  // a month reads day by day; longer, the 7-day mean
      const ys = (code) => (smooth ? mean7(d.series[code]) : d.series[code]).slice(from);
      const suffix = smooth ? " · " + (strings.avg7 || "7-day mean") : "";
      const traces = [];
      if (d.city) { traces.push({ x, y: ys(d.city), name: (strings.city || d.names[d.city]) + suffix, line: { width: 3, color: "#1f2933" } }); }
      selected.forEach((code) => {
        if (d.series[code]) { traces.push({ x, y: ys(code), name: d.names[code] + suffix, line: { width: 2 } }); }
      });
      Plotly.react(el, traces, lineLayout({ shapes: bandShapes(d.bands), ...yRange(traces) }), config);
      el.dataset.traces = String(traces.length);
      el.dataset.smooth = String(smooth);
    }
    draw();
  }

  function history(el) {
    const d = json(el.dataset.source);
    if (!d) { return; }
    const traces = [];
    const colours = [["#7fa7d6", "#1f4f8a"], ["#8fcf9f", "#22663b"]];
    Object.keys(d.names).forEach((code, i) => {
      const [light, dark] = colours[i % colours.length];
      const name = d.names[code];
      if (d.day.dates.length) {
        traces.push({ x: d.day.dates, y: mean7(d.day.series[code]), name: name + " · " + (strings.avg7 || "7-day mean"), line: { width: 1.6, color: light } });
      }
      if (d.month.dates.length) {
        traces.push({ x: d.month.dates, y: d.month.series[code], name: name + " · " + (strings.month || "month"), mode: "lines+markers", line: { width: 3, color: dark, shape: "hv" } });
      }
    });
    const buttons = [
      { count: 30, step: "day", stepmode: "backward", label: strings.d30 || "30d" },
      { count: 90, step: "day", stepmode: "backward", label: strings.d90 || "90d" },
      { count: 1, step: "year", stepmode: "backward", label: strings.y1 || "1y" },
      { step: "all", label: strings.all || "all" },
    ];
    Plotly.react(el, traces, lineLayout({ xaxis: zhiliPlotly.dateAxis({ type: "date", rangeselector: { buttons, x: 0, y: 1.02 } }), margin: { l: 44, r: 12, t: 30, b: 36 }, shapes: bandShapes(d.bands), ...yRange(traces) }), config);
    el.dataset.traces = String(traces.length);
  }

  // --- the indicator tree -----------------------------------------------------------------
  function sunburst(el) {
    const d = json(el.dataset.source);
    if (!d) { return; }
    const trace = {
      type: "sunburst", ids: d.ids, labels: d.labels, parents: d.parents, values: d.values,
      branchvalues: "remainder", text: d.text, customdata: d.weights, textinfo: "label+text",
      insidetextorientation: "radial",
      hovertemplate: "%{label}<br>" + escapeHtml(strings.score || "") + " %{text}<br>" + escapeHtml(strings.weight || "") + " %{customdata:.1%}<extra></extra>",
      marker: { colors: d.scores.map((s) => bandColour(s, d.bands)), line: { color: "#ffffff", width: 1 } },
    };
    Plotly.react(el, [trace], { margin: { l: 4, r: 4, t: 4, b: 4 }, font: { size: 12 } }, config);
    el.dataset.nodes = String(d.ids.length);
  }

  // --- the funnel plot: each unit's rate against its residents, the limits of chance ------------
  function funnel(el) {
    const d = json(el.dataset.source);
    if (!d || !d.points) { return; }
    const lines = [];
    Object.entries(d.limits).forEach(([level, lim], i) => {
      const style = { color: "#64748b", width: 1, dash: i ? "solid" : "dot" };
      const name = (strings.funnel_limit || "%s").replace("%s", (Number(level) * 100).toFixed(1) + "%");
      lines.push({ x: d.grid, y: lim.upper, mode: "lines", line: style, name, hoverinfo: "skip" });
      lines.push({ x: d.grid, y: lim.lower, mode: "lines", line: style, showlegend: false, hoverinfo: "skip" });
    });
    lines.push({ x: [d.grid[0], d.grid[d.grid.length - 1]], y: [d.rate, d.rate], mode: "lines", line: { color: "#1f2933", width: 1.5 }, name: strings.funnel_rate || "rate", hoverinfo: "skip" });
    const mine = d.points.filter((p) => p.own), others = d.points.filter((p) => !p.own);
    const dots = (pts, colour, size, name) => ({
      x: pts.map((p) => p.x), y: pts.map((p) => p.y), mode: "markers", name,
      text: pts.map((p) => p.name || strings.funnel_other || ""),
      marker: { color: pts.map((p) => (p.outside ? "#c2410c" : colour)), size, line: { color: "#fff", width: 1 } },
      hovertemplate: "%{text}<br>%{x:,.0f} · %{y:.2f}<extra></extra>",
    });
    const traces = [...lines, dots(others, "#7fa7d6", 8, strings.funnel_peers || ""), dots(mine, "#1f4f8a", 14, strings.funnel_own || "")];
    Plotly.react(el, traces, {
      margin: { l: 56, r: 12, t: 10, b: 44 }, font: { size: 12 }, legend: { orientation: "h", y: -0.25 },
      xaxis: { type: "log", exponentformat: "none", separatethousands: true, title: { text: strings.funnel_x || "" } },  // 10,000, not "10k"
      yaxis: { title: { text: (strings.funnel_y || "").replace("%s", d.per.toLocaleString()) }, rangemode: "tozero" },
    }, config);
    el.dataset.points = String(d.points.length);
  }

  function charts() {
    config = zhiliPlotly.config(config);
    document.querySelectorAll(".funnel-chart").forEach(funnel);
    document.querySelectorAll("#trend").forEach(trend);
    document.querySelectorAll(".history-chart").forEach(history);
    document.querySelectorAll(".sunburst-chart").forEach(sunburst);
  }

  function loadPlotly() {
    if (!document.querySelector("#trend, .history-chart, .sunburst-chart, .funnel-chart")) { return; }
    const script = document.createElement("script");
    script.src = plotlyUrl;
    script.onload = () => {
      const locale = document.createElement("script");  // Chinese words and dates (plotly-zh-cn.js)
      locale.src = plotlyLocaleUrl;
      locale.onload = charts;
      document.head.append(locale);
    };
    document.head.append(script);
  }

  // Printing: the folded lists (every indicator) print open.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details.picks:not(#trend-picks)").forEach((d) => { d.open = true; });
  });

  async function start() {
    const maps = [...document.querySelectorAll("[data-shapes]")].map((el) => choropleth(el).catch(() => null));
    await Promise.all(maps);
    requestAnimationFrame(() => setTimeout(loadPlotly, 0));
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
