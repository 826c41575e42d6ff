/* Risk register map: markers from the JSON data island; the table is the accessible list. */
(function () {
  "use strict";
  var COLOURS = { low: "#2e7d32", medium: "#c58a00", high: "#d9480f", critical: "#8a1c12" };
  function init() {
    var el = document.getElementById("risk-map");
    var data = document.getElementById("risk-markers");
    if (!el || !data || typeof L === "undefined") { return; }
    var markers = JSON.parse(data.textContent || "[]");
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) { L.tileLayer(tiles, { attribution: el.getAttribute("data-tile-attribution") || "" }).addTo(map); }
    var bounds = [];
    var outlineData = document.getElementById("risk-outlines");
    if (outlineData) {
      var outlines = JSON.parse(outlineData.textContent || "{}");
      if (outlines.features && outlines.features.length) {
        var layer = L.geoJSON(outlines, { style: { color: "#475467", weight: 1, fillOpacity: 0.04 } }).addTo(map);
        var b = layer.getBounds();
        if (b.isValid()) { bounds.push(b.getSouthWest(), b.getNorthEast()); }
      }
    }
    markers.forEach(function (m) {
      var marker = L.circleMarker([m.lat, m.lon], {
        radius: 9, color: COLOURS[m.level] || "#333", fillOpacity: 0.7
      }).addTo(map);
      var link = document.createElement("a");
      link.href = m.url;
      link.textContent = m.title + " (" + m.level_label + ")";
      marker.bindPopup(link);
      bounds.push(L.latLng(m.lat, m.lon));
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
    else { map.setView([31.23, 121.47], 13); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
