// Early-warning map: points come from data-points (JSON); the table below the map
// lists the same warnings, so the map is an extra, not the only way in.
(function () {
  "use strict";
  var el = document.getElementById("warnings-map");
  if (!el || typeof L === "undefined") { return; }
  var points = [];
  try { points = JSON.parse(el.getAttribute("data-points") || "[]"); } catch (e) { points = []; }
  var map = L.map(el, { scrollWheelZoom: false });
  var tiles = el.getAttribute("data-tile-url");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var colours = { high: "#b3261e", medium: "#c26a00", low: "#4a6fa5" };
  var bounds = [];
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: p.severity === "high" ? 12 : 9, color: colours[p.severity] || "#555", weight: 2, fillOpacity: 0.4 });
    var a = document.createElement("a");
    a.href = p.url;
    a.textContent = p.label;
    m.bindPopup(a);
    m.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 }); } else { map.setView([0, 0], 2); }
})();
