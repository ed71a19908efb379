// The heat map of disputes: the districts' outlines (public division map, our own server) under
// H3 hexagons shaded by how many cases fell in each; no tiles, nothing from elsewhere. Words
// (kinds of dispute, "件") come from the page, in its language.
(function () {
  var el = document.getElementById("map");
  var heat = JSON.parse(document.getElementById("heat-data").textContent);
  var kinds = JSON.parse(document.getElementById("kind-labels").textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var shades = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
  var top = Math.max(heat.max || 1, 1);
  function shade(n) { return shades[Math.min(shades.length - 1, Math.ceil((n / top) * (shades.length - 1)))]; }
  function esc(s) { var d = document.createElement("div"); d.textContent = String(s); return d.innerHTML; }
  function tooltip(p) {
    var lines = Object.keys(p.by_type).map(function (k) {
      return esc(el.dataset.line.replace("__KIND__", kinds[k] || k).replace("__N__", p.by_type[k]));
    });
    return "<b>" + esc(el.dataset.total.replace("__N__", p.count)) + "</b><br>" + lines.join("<br>");
  }
  fetch(el.dataset.divisions, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (geo) {
      var base = L.geoJSON(geo, { style: { color: "#8a96a3", weight: 1, fillColor: "#eef2f7", fillOpacity: 0.6 } }).addTo(map);
      var cells = L.geoJSON(heat, {
        style: function (f) { return { color: "#7f2704", weight: 0.4, fillColor: shade(f.properties.count), fillOpacity: 0.8, className: "cell" }; },
        onEachFeature: function (f, layer) { layer.bindTooltip(tooltip(f.properties), { sticky: true }); },
      }).addTo(map);
      var bounds = heat.features.length ? cells.getBounds() : base.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([22.2, 113.3], 10); }
      el.dataset.cells = String(heat.features.length);
    });
  // The legend: the counts that each shade stands for, read off `shade` itself so that the two
  // always agree; a shade that stands for one count says that count, not "2–2".
  var legend = document.getElementById("legend"), from = 1;
  for (var n = 1; n <= (heat.max || 0); n++) {
    if (n === top || shade(n + 1) !== shade(n)) {
      var li = document.createElement("li");
      var words = from === n ? legend.dataset.one.replace("__N__", n)
        : legend.dataset.range.replace("__FROM__", from).replace("__TO__", n);
      li.innerHTML = '<span class="swatch" style="background:' + shade(n) + '"></span>' + esc(words);
      legend.appendChild(li);
      from = n + 1;
    }
  }
})();
