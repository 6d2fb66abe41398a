// Live totals of a score sheet (thidua web). The server shows the same total on "Tính tổng";
// the page works without this script. A line that is empty or not a number counts 0.
(function () {
  "use strict";
  function parse(text) {
    var t = (text || "").trim().replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
    return Math.round(parseFloat(t) * 100);
  }
  function format(cents) {
    var neg = cents < 0, c = Math.abs(cents);
    var whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var frac = String(c % 100).padStart(2, "0");
    return (neg ? "-" : "") + whole + "," + frac;
  }
  function refresh(output) {
    var prefix = output.getAttribute("data-for");
    var form = output.form || output.closest("form");
    var inputs = form.querySelectorAll("input.score");
    var plus = 0, minus = 0;
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var name = input.name;
      var own = prefix === "sa" ? name.indexOf("scores.") === 0 : name.indexOf(prefix) === 0;
      if (!own) continue;
      var cents = parse(input.value);
      var max = parse(input.getAttribute("data-max"));
      var step = parse(input.getAttribute("data-step"));
      if (cents === null || (max !== null && cents > max)) continue;
      if (step && cents % step !== 0) continue;
      if (input.getAttribute("data-sign") === "-") minus += cents; else plus += cents;
    }
    output.textContent = format(Math.max(plus - minus, 0));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var outputs = document.querySelectorAll("output[data-for]");
    for (var i = 0; i < outputs.length; i++) refresh(outputs[i]);
    document.addEventListener("input", function (event) {
      if (!event.target.classList || !event.target.classList.contains("score")) return;
      for (var j = 0; j < outputs.length; j++) refresh(outputs[j]);
    });
  });
})();
