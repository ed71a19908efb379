// The handwritten signature pad: strokes drawn with a finger or the mouse; on submit the drawing
// (if any) goes along as a PNG data URL. Signing without drawing is allowed: the Ed25519
// signature is what binds; the drawing is what people are used to seeing.
(function () {
  var pad = document.getElementById("pad");
  if (!pad) return;
  var ctx = pad.getContext("2d"), drawn = false, last = null;
  ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  function at(e) {
    var r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener("pointerdown", function (e) { last = at(e); pad.setPointerCapture(e.pointerId); });
  pad.addEventListener("pointermove", function (e) {
    if (!last) return;
    var p = at(e);
    ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
    last = p; drawn = true;
  });
  pad.addEventListener("pointerup", function () { last = null; });
  document.getElementById("pad-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, pad.width, pad.height); drawn = false;
  });
  pad.closest("form").addEventListener("submit", function () {
    this.querySelector("input[name=image]").value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
