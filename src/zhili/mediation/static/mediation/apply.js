// Where it happened, three ways: pick the village, tap the map (the city's districts, from our
// own server; no tiles), or "use my location". A point fills the hidden lon/lat; the server
// finds the village it lies in.
(function () {
  var lon = document.querySelector("input[name=lon]"), lat = document.querySelector("input[name=lat]");
  var status = document.getElementById("location-status");
  var marker = null, map = null;

  function setPoint(lng, la, moveMap) {
    lon.value = lng.toFixed(6);
    lat.value = la.toFixed(6);
    if (map) {
      if (marker) { marker.setLatLng([la, lng]); } else { marker = L.circleMarker([la, lng], { radius: 8, color: "#b42318", weight: 3 }).addTo(map); }
      if (moveMap) { map.setView([la, lng], Math.max(map.getZoom(), 13)); }
    }
  }

  var el = document.getElementById("pick-map");
  if (el && window.L) {
    map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    fetch(el.dataset.divisions, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (geo) {
        var layer = L.geoJSON(geo, { style: { color: "#5f6b7a", weight: 1, fillColor: "#eef2f7", fillOpacity: 0.7 } }).addTo(map);
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [4, 4] }); }
        if (lon.value && lat.value) { setPoint(parseFloat(lon.value), parseFloat(lat.value), false); }
        el.dataset.ready = "1";
      });
    map.on("click", function (e) {
      setPoint(e.latlng.lng, e.latlng.lat, false);
      status.textContent = document.getElementById("use-location").dataset.done;
    });
  }

  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.wait;
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude, true);
      status.textContent = button.dataset.done;
    }, function () {
      status.textContent = button.dataset.failed;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
})();
