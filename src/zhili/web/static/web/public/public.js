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
