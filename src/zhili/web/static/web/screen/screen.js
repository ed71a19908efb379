// The big screen: the towns' colours on a map (GeoJSON from /api/v1/geo/map, no tiles), the day's
// counts, two Plotly charts and the open alerts. Figures come from /screen/data.json every
// `refresh` seconds without reloading the page; window.zhiliScreen.refresh() fetches them now.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("screen-config").textContent);
  const S = cfg.strings;
  const lang = document.documentElement.lang || "zh-Hans";
  const numbers = new Intl.NumberFormat(lang);
  const font = { family: getComputedStyle(document.body).fontFamily, color: "#cbd5e1", size: 14 };
  const $ = (id) => document.getElementById(id);

  const map = L.map("screen-map", {
    zoomSnap: 0.1, attributionControl: false, zoomControl: false, dragging: false,
    scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false,
  });
  const layers = {}; // town code → its Leaflet layer
  let towns = {}; // town code → its figures of the latest refresh
  let last = null;
  let refreshes = 0;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, k) => (values[k] == null ? "" : String(values[k])));
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text != null) { node.textContent = text; }
    return node;
  }

  function style(feature) {
    const t = towns[feature.properties.code];
    return { color: "#0b1220", weight: 1.5, fillColor: t ? t.colour : "#334155", fillOpacity: t ? 0.88 : 0.35 };
  }

  async function loadMap() {
    const parts = await Promise.all(cfg.parents.map((code) =>
      fetch(cfg.map_api + "?parent=" + encodeURIComponent(code), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : { features: [] }))));
    const features = parts.flatMap((p) => p.features || []).filter((f) => f.properties.code.startsWith(cfg.prefix));
    const layer = L.geoJSON({ type: "FeatureCollection", features }, {
      style,
      onEachFeature: (f, l) => {
        layers[f.properties.code] = l;
        l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "town-label" });
      },
    }).addTo(map);
    if (features.length) { map.fitBounds(layer.getBounds(), { padding: [24, 24] }); }
    placeLabels();
  }

  // Permanent labels of 26 towns collide where the towns are small (the city's centre): show a
  // label only where it fits, the larger towns first, so none covers another; a hidden one is
  // still on its town's tooltip-free colour and in the alerts and legend.
  function placeLabels() {
    const area = (l) => { const b = l.getBounds(); return (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth()); };
    const placed = [];
    Object.values(layers).sort((a, b) => area(b) - area(a)).forEach((l) => {
      const node = l.getTooltip() && l.getTooltip().getElement();
      if (!node) { return; }
      node.style.visibility = "";
      const r = node.getBoundingClientRect();
      const clash = placed.some((p) => r.left < p.right + 2 && r.right + 2 > p.left && r.top < p.bottom + 1 && r.bottom + 1 > p.top);
      if (clash) { node.style.visibility = "hidden"; node.dataset.hidden = "1"; } else { delete node.dataset.hidden; placed.push(r); }
    });
    document.body.dataset.labels = String(placed.length);
  }

  function renderMap(data) {
    towns = {};
    (data.towns || []).forEach((t) => { towns[t.code] = t; });
    Object.entries(layers).forEach(([code, l]) => {
      l.setStyle(style({ properties: { code } }));
      const t = towns[code];
      l.getTooltip().setContent(l.feature.properties.name + (t && t.total != null ? " " + t.total.toFixed(1) : ""));
    });
    placeLabels();  // the totals changed the labels' widths
    const legend = $("legend");
    legend.textContent = "";
    (data.grades || []).forEach((g) => {
      const li = el("li");
      const sw = el("span", "sw");
      sw.style.background = g.colour;
      li.append(sw, el("span", "", g.label), el("span", "n", numbers.format(g.count)));
      legend.append(li);
    });
    const empty = $("map-empty");
    empty.hidden = Boolean(data.day);
    empty.textContent = data.day ? "" : S.no_data;
    document.body.dataset.colouredTowns = String(Object.keys(layers).filter((c) => towns[c]).length);
  }

  function renderCounts(data) {
    const c = data.counts;
    const set = (name, value) => { document.querySelector(`[data-count="${name}"]`).textContent = value == null ? "—" : numbers.format(value); };
    set("received", c.received.visible ? c.received.total : null);
    set("red_towns", data.day ? c.red_towns : null);
    set("open_alerts", c.open_alerts);
    set("five_star", c.five_star.count);
    $("received-date").textContent = c.received.date;
    $("stars-month").textContent = c.five_star.month_label || "";
    $("red-note").textContent = data.day_label || "";
    const list = $("families");
    list.textContent = "";
    const top = c.received.families.slice(0, 12);
    const most = Math.max(1, ...top.map((f) => f.count));
    top.forEach((f) => {
      const li = el("li");
      li.dataset.family = f.family;
      const bar = el("div", "bar");
      bar.style.width = (100 * f.count / most).toFixed(1) + "%";
      const track = el("div");
      track.append(bar);
      li.append(el("span", "name", f.label), track, el("span", "n", numbers.format(f.count)));
      list.append(li);
    });
    if (!top.length) { list.append(el("li", "empty", c.received.visible ? S.no_events : S.not_visible)); }
  }

  function renderAlerts(data) {
    const list = $("alerts");
    list.textContent = "";
    data.alerts.forEach((a) => {
      const li = el("li");
      li.dataset.unit = a.unit_code;
      li.append(el("span", "unit", a.unit_name), el("span", "action", a.action_label),
        el("span", "when", a.period_label + " · " + fmt(S.streak, { n: a.streak })));
      list.append(li);
    });
    if (!data.alerts.length) { list.append(el("li", "empty", S.no_alerts)); return; }
    // As many as the panel holds, then a line that says how many more there are (of every open
    // alert, not only those sent), never one cut in half at the panel's edge.
    const total = Math.max(data.counts.open_alerts || 0, data.alerts.length);
    const fits = () => list.scrollHeight <= list.clientHeight + 1;
    const more = el("li", "more");
    let shown = data.alerts.length;
    const count = () => { more.textContent = fmt(S.more_alerts, { n: total - shown }); };
    if (total > shown) { count(); list.append(more); }
    while (shown > 1 && !fits()) {
      list.children[shown - 1].remove();
      shown -= 1;
      if (!more.isConnected) { list.append(more); }
      count();
    }
    list.dataset.shown = String(shown);
  }

  function chartLayout(title) {
    return {
      title: { text: title, font: { ...font, size: 16 }, x: 0, xanchor: "left" },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font,
      margin: { l: 44, r: 10, t: 36, b: 34 }, showlegend: false,
      xaxis: { gridcolor: "#1e293b", tickformat: "%m-%d", linecolor: "#334155" },
      yaxis: { gridcolor: "#1e293b", zeroline: false, linecolor: "#334155" },
    };
  }

  function renderCharts(data) {
    const t = data.trend;
    const config = zhiliPlotly.config({ displayModeBar: false, staticPlot: true, responsive: false });
    if (!t) {
      Plotly.react("chart-trend", [], chartLayout(S.no_data), config);
      Plotly.react("chart-colours", [], chartLayout(""), config);
      return;
    }
    const colours = Object.fromEntries(data.grades.map((g) => [g.code, g.colour]));
    Plotly.react("chart-trend", [{
      type: "scatter", mode: "lines+markers", x: t.days, y: t.total, name: S.score,
      line: { color: "#38bdf8", width: 3 },
      marker: { size: 7, color: t.grade.map((g) => colours[g] || "#64748b") },
    }], chartLayout(fmt(S.trend_title, { unit: t.unit_name })), config);
    const labels = Object.fromEntries(data.grades.map((g) => [g.code, g.label]));
    Plotly.react("chart-colours", t.distribution.map((d) => ({
      type: "bar", x: t.days, y: d.counts, name: labels[d.grade] || d.grade,
      marker: { color: colours[d.grade] || "#64748b" },
    })), { ...chartLayout(S.distribution_title), barmode: "stack", bargap: 0.15 }, config);
  }

  function renderHead(data) {
    if (data.definition_name) { $("definition-name").textContent = data.definition_name; }
    $("data-day").textContent = data.day_label || "—";
    const held = $("held-back");
    held.textContent = data.held_back || "";
    held.hidden = !data.held_back;
    $("data-run").textContent = data.run
      ? fmt(S.revision, { n: data.run.revision, when: data.run.published_label }) : "";
    const refreshed = $("refreshed");
    refreshed.classList.remove("stale");
    refreshed.textContent = fmt(S.refreshed, { time: data.generated_label });
  }

  function render(data) {
    renderHead(data);
    renderMap(data);
    renderCounts(data);
    renderAlerts(data);
    renderCharts(data);
  }

  async function refresh() {
    try {
      const r = await fetch(cfg.data_url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
      if (!r.ok || !(r.headers.get("content-type") || "").includes("json")) { throw new Error(String(r.status)); }
      last = await r.json();
      render(last);
      refreshes += 1;
      document.body.dataset.refreshes = String(refreshes);
    } catch (_e) {
      // Logged out, server away: keep the last figures on the wall and say how old they are.
      const refreshed = $("refreshed");
      refreshed.classList.add("stale");
      refreshed.textContent = fmt(S.stale, { time: last ? last.generated_label : "—" });
    }
    return last;
  }

  window.zhiliScreen = { refresh, render, get data() { return last; }, get refreshes() { return refreshes; } };
  loadMap().finally(() => {
    refresh();
    setInterval(refresh, cfg.refresh * 1000);
  });
})();
