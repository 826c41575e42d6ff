/* Volunteering: activities on a Leaflet map. Configured by data- attributes; the list
   beside the map carries the same information for people who do not use the map. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-volunteering-map]");
    if (!el || typeof L === "undefined") { return; }
    var points = [];
    try { points = JSON.parse(el.getAttribute("data-points") || "[]"); } catch (e) { points = []; }
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-tile-attribution") || "" }).addTo(map);
    }
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.title, alt: p.title }).addTo(map);
      var label = document.createElement(p.url ? "a" : "span");
      label.textContent = p.title;
      if (p.url) { label.href = p.url; }
      marker.bindPopup(label);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    } else {
      map.setView([parseFloat(el.getAttribute("data-lat") || "30.0"), parseFloat(el.getAttribute("data-lon") || "120.0")], 13);
    }
  });
})();
