// The heat map of disputes: the districts' outlines (public division map, our own server) under
// H3 hexagons shaded by how many cases fell in each; no tiles, nothing from elsewhere.
(function () {
  var el = document.getElementById("map");
  var heat = JSON.parse(document.getElementById("heat-data").textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var shades = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
  var top = Math.max(heat.max || 1, 1);
  function shade(n) { return shades[Math.min(shades.length - 1, Math.ceil((n / top) * (shades.length - 1)))]; }
  fetch(el.dataset.divisions, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (geo) {
      var base = L.geoJSON(geo, { style: { color: "#8a96a3", weight: 1, fillColor: "#eef2f7", fillOpacity: 0.6 } }).addTo(map);
      var cells = L.geoJSON(heat, {
        style: function (f) { return { color: "#7f2704", weight: 0.4, fillColor: shade(f.properties.count), fillOpacity: 0.8, className: "cell" }; },
        onEachFeature: function (f, layer) {
          var types = Object.entries(f.properties.by_type).map(function (e) { return e[0] + " " + e[1]; }).join(" · ");
          layer.bindTooltip("<b>" + f.properties.count + "</b> " + types, { sticky: true });
        },
      }).addTo(map);
      var bounds = heat.features.length ? cells.getBounds() : base.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([22.2, 113.3], 10); }
      el.dataset.cells = String(heat.features.length);
    });
  var legend = document.getElementById("legend");
  shades.slice(1).forEach(function (c, i) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="swatch" style="background:' + c + '"></span>' + Math.max(1, Math.round((top * i) / (shades.length - 1)) + 1) + "–" + Math.round((top * (i + 1)) / (shades.length - 1));
    legend.appendChild(li);
  });
})();
