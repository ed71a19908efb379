// The divisions map: GeoJSON from /api/v1/geo/map, no tiles, drill down by clicking.
(function () {
  "use strict";
  const script = document.currentScript;
  const api = script.dataset.api;
  const strings = JSON.parse(document.getElementById("zhili-strings").textContent);
  const palette = ["#2f6fb0", "#3f8f6b", "#b5813a", "#8a5aa8", "#c0504d", "#4a9bb0", "#7a8b2f", "#b0577f"];
  const map = L.map("map", { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
  let layer = null;
  const numberFormat = new Intl.NumberFormat(document.documentElement.lang || "zh-Hans");

  function colourFor(i) { return palette[i % palette.length]; }

  function render(data) {
    if (layer) { layer.remove(); }
    const features = data.features || [];
    layer = L.geoJSON(data, {
      style: (f) => ({ color: "#ffffff", weight: 1, fillColor: colourFor(features.indexOf(f)), fillOpacity: 0.7 }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        const pop = p.resident_population == null ? "" : "<br>" + strings.residents + " " + numberFormat.format(p.resident_population);
        l.bindTooltip("<strong>" + escapeHtml(p.name) + "</strong> " + escapeHtml(p.kind_label) + pop, { sticky: true });
        l.on("click", () => { if (p.has_children) { load(p.code); } });
        l.on("mouseover", () => l.setStyle({ weight: 3 }));
        l.on("mouseout", () => l.setStyle({ weight: 1 }));
      },
    }).addTo(map);
    if (features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
    renderCrumbs(data.path || []);
    renderTable(data);
  }

  function renderCrumbs(path) {
    const nav = document.getElementById("crumbs");
    nav.textContent = "";
    path.forEach((node, i) => {
      if (i) { nav.append(" › "); }
      if (i < path.length - 1) {
        const a = document.createElement("a");
        a.href = "#" + node.code;
        a.textContent = node.name;
        a.addEventListener("click", (e) => { e.preventDefault(); load(i === 0 ? null : node.code); });
        nav.append(a);
      } else {
        const b = document.createElement("strong");
        b.textContent = node.name;
        nav.append(b);
      }
    });
  }

  function renderTable(data) {
    const title = document.getElementById("level-title");
    title.textContent = data.parent ? data.parent.name + " · " + strings.inside : "";
    const body = document.querySelector("#units tbody");
    body.textContent = "";
    (data.features || []).forEach((f, i) => {
      const p = f.properties;
      const tr = document.createElement("tr");
      tr.dataset.code = p.code;
      const name = document.createElement("td");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colourFor(i);
      name.append(swatch);
      if (p.has_children) {
        const a = document.createElement("a");
        a.href = "#" + p.code;
        a.textContent = p.name;
        a.addEventListener("click", (e) => { e.preventDefault(); load(p.code); });
        name.append(a);
      } else {
        name.append(p.name);
      }
      const kind = document.createElement("td");
      kind.textContent = p.kind_label;
      const pop = document.createElement("td");
      pop.className = "num";
      pop.textContent = p.resident_population == null ? "—" : numberFormat.format(p.resident_population);
      tr.append(name, kind, pop);
      body.append(tr);
    });
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  async function load(code) {
    const url = code ? api + "?parent=" + encodeURIComponent(code) : api;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) { return; }
    render(await response.json());
    document.body.dataset.mapLevel = code || "root";
    history.replaceState(null, "", code ? "#" + code : location.pathname);
  }

  const start = location.hash.replace("#", "");
  load(/^\d{12,15}$/.test(start) ? start : null);
})();
