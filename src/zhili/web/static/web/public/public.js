// The public pages keep their language in the address (?lang=en), so that every answer can be
// cached. A visitor who chose English elsewhere in Zhili (the language cookie) is sent to the
// English address; choosing a language here sets that cookie for the rest of the site.
(function () {
  var me = document.currentScript;
  var name = me.dataset.cookie, fallback = me.dataset.default;
  var url = new URL(location.href);
  var chosen = (document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)")) || [])[1];
  if (!url.searchParams.has("lang") && chosen && chosen !== fallback) {
    url.searchParams.set("lang", chosen);
    location.replace(url.href);
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-lang]");
    if (a) document.cookie = name + "=" + a.dataset.lang + "; path=/; max-age=31536000; samesite=lax";
  });
})();

// "Use my location": the phone's position goes to /p/locate/, which sends the visitor on to
// their town's page; nothing is stored. The button shows only where the browser can locate.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) return;
  var status = document.getElementById("locate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.wait;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(button.dataset.url, location.href);
      url.searchParams.set("lon", pos.coords.longitude.toFixed(5));
      url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
      if (button.dataset.lang) url.searchParams.set("lang", button.dataset.lang);
      location.assign(url.href);
    }, function () {
      status.textContent = button.dataset.failed;
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
  });
})();

