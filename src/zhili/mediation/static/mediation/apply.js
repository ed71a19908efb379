// Where it happened, three ways: find the village by typing part of its name (the list is
// grouped by town), tap the map (the city's districts, from our own server; no tiles), or "use
// my location". A point fills the hidden lon/lat and the page asks our server which village it
// is in, so that the person sees the place named ("已选：…") before sending. Without JavaScript
// the grouped list alone works.
(function () {
  var picker = document.getElementById("place-picker");
  if (!picker) return;
  var select = picker.querySelector("select[name=unit_code]");
  var filter = document.getElementById("place-filter");
  var count = document.getElementById("place-count");
  var chosen = document.getElementById("place-chosen");
  var lon = document.querySelector("input[name=lon]"), lat = document.querySelector("input[name=lat]");
  var text = picker.dataset;
  var marker = null, map = null;

  // Every place once: {code, name, town}, in the list's order.
  var places = [], first = select.options[0] ? select.options[0].cloneNode(true) : null;
  Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
    Array.prototype.forEach.call(group.querySelectorAll("option"), function (o) {
      places.push({ code: o.value, name: o.textContent, town: group.label });
    });
  });
  function labelOf(code) {
    for (var i = 0; i < places.length; i++) {
      if (places[i].code === code) { return text.place.replace("__VILLAGE__", places[i].name).replace("__TOWN__", places[i].town); }
    }
    return "";
  }
  function say(place) { chosen.textContent = place ? text.chosen.replace("__PLACE__", place) : ""; }

  // The list cut to the places whose name (or town's name) contains what was typed.
  function fill(query) {
    var keep = select.value;
    select.textContent = "";
    if (first) { select.appendChild(first.cloneNode(true)); }
    var groups = {}, found = 0;
    places.forEach(function (p) {
      if (query && p.name.indexOf(query) < 0 && p.town.indexOf(query) < 0) return;
      if (!groups[p.town]) {
        groups[p.town] = document.createElement("optgroup");
        groups[p.town].label = p.town;
        select.appendChild(groups[p.town]);
      }
      var o = document.createElement("option");
      o.value = p.code; o.textContent = p.name;
      groups[p.town].appendChild(o);
      found += 1;
    });
    var still = Array.prototype.some.call(select.options, function (o) { return o.value && o.value === keep; });
    if (still) { select.value = keep; }
    else if (query && found) { select.selectedIndex = 1; }  // the first match: typing two characters is enough
    else { select.value = ""; }
    return found;
  }

  // A village picked by name replaces a point tapped before: the case is placed where it says.
  function forgetPoint() {
    lon.value = ""; lat.value = "";
    if (marker && map) { map.removeLayer(marker); marker = null; }
  }

  filter.parentNode.hidden = false;
  filter.addEventListener("input", function () {
    var q = filter.value.trim();
    var found = fill(q);
    count.textContent = q ? (found ? text.found.replace("__N__", found) : text.none) : "";
    if (q && found) { forgetPoint(); }
    say(labelOf(select.value));
  });
  select.addEventListener("change", function () { forgetPoint(); say(labelOf(select.value)); });

  // A point (a tap, or the phone's location): name its village and pick it in the list.
  function lookup(lng, la) {
    fetch(text.lookup + "?lon=" + lng.toFixed(6) + "&lat=" + la.toFixed(6), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (found) {
        if (!found.code) { chosen.textContent = found.message || text.outside; return; }
        filter.value = ""; count.textContent = "";
        fill("");
        select.value = found.code;
        say(found.label);
      });
  }

  function setPoint(lng, la, moveMap) {
    lon.value = lng.toFixed(6);
    lat.value = la.toFixed(6);
    if (map) {
      if (marker) { marker.setLatLng([la, lng]); } else { marker = L.circleMarker([la, lng], { radius: 8, color: "#b42318", weight: 3 }).addTo(map); }
      if (moveMap) { map.setView([la, lng], Math.max(map.getZoom(), 13)); }
    }
    lookup(lng, la);
  }

  var el = document.getElementById("pick-map");
  if (el && window.L) {
    map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    fetch(el.dataset.divisions, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (geo) {
        var layer = L.geoJSON(geo, { style: { color: "#5f6b7a", weight: 1, fillColor: "#eef2f7", fillOpacity: 0.7 } }).addTo(map);
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [4, 4] }); }
        if (lon.value && lat.value) {
          var lng = parseFloat(lon.value), la = parseFloat(lat.value);
          marker = L.circleMarker([la, lng], { radius: 8, color: "#b42318", weight: 3 }).addTo(map);
        }
        el.dataset.ready = "1";
      });
    map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, false); });
  }

  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    chosen.textContent = text.wait;
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude, true);
    }, function () {
      chosen.textContent = text.failed;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
