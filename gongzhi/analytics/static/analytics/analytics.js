/* Charts and the hot-spot map, configured from JSON data islands (no inline scripts). */
(function () {
  "use strict";
  function island(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  if (window.Chart) {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var data = island(canvas.dataset.chart);
      if (!data || !data.labels.length) { canvas.closest("figure").hidden = true; return; }
      new window.Chart(canvas, {
        type: canvas.dataset.kind || "bar",
        data: data,
        options: { responsive: true, scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } } }
      });
    });
  }
  if (window.L) {
    document.querySelectorAll("[data-hot-map]").forEach(function (el) {
      var points = island(el.dataset.hotMap) || [];
      if (!points.length) { el.hidden = true; return; }
      var map = window.L.map(el);
      if (el.dataset.tiles) { window.L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
      var max = Math.max.apply(null, points.map(function (p) { return p.cases; }));
      var bounds = [];
      points.forEach(function (p) {
        window.L.circleMarker([p.lat, p.lon], { radius: 6 + 18 * p.cases / max, color: "#b3261e" })
          .bindTooltip(p.label + ": " + p.cases).addTo(map);
        bounds.push([p.lat, p.lon]);
      });
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
    });
  }
})();
