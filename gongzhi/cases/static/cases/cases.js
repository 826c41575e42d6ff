/* Cases: the report map (click, "use my location"), the public map with clusters, the
   small map on a case page, the category search and a live countdown. Every form works
   without this file; maps have text alternatives on the page. */
(function () {
  "use strict";

  function tiles(map, el) {
    var url = el.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, { maxZoom: 19, attribution: el.getAttribute("data-tile-attribution") || "" }).addTo(map);
    }
  }

  function num(el, name, fallback) {
    var v = parseFloat(el.getAttribute(name));
    return isNaN(v) ? fallback : v;
  }

  function pickMap(el) {
    var latInput = document.querySelector("[data-map-lat]");
    var lonInput = document.querySelector("[data-map-lon]");
    var lat0 = latInput && latInput.value ? parseFloat(latInput.value) : num(el, "data-center-lat", 31.23);
    var lon0 = lonInput && lonInput.value ? parseFloat(lonInput.value) : num(el, "data-center-lon", 121.47);
    var map = L.map(el, { maxZoom: 19 }).setView([lat0, lon0], 15);
    tiles(map, el);
    var marker = null;
    function place(lat, lon) {
      if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon]).addTo(map); }
      if (latInput) { latInput.value = lat.toFixed(6); }
      if (lonInput) { lonInput.value = lon.toFixed(6); }
    }
    if (latInput && latInput.value && lonInput && lonInput.value) { place(lat0, lon0); }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
    var btn = document.querySelector("[data-use-location]");
    if (btn && navigator.geolocation) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(pos.coords.latitude, pos.coords.longitude);
          map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        });
      });
    }
  }

  function publicMap(el) {
    var map = L.map(el, { maxZoom: 19 }).setView([num(el, "data-center-lat", 31.23), num(el, "data-center-lon", 121.47)], 14);
    tiles(map, el);
    var group = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
    map.addLayer(group);
    fetch(el.getAttribute("data-geojson"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var bounds = [];
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var m = L.circleMarker([c[1], c[0]], { radius: 8, weight: 2 });
          var a = document.createElement("a");
          a.href = f.properties.url;
          a.textContent = f.properties.number + " · " + f.properties.category + " · " + f.properties.status;
          m.bindPopup(a);
          group.addLayer(m);
          bounds.push([c[1], c[0]]);
        });
        if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16 }); }
      });
  }

  function pointMap(el) {
    var lat = num(el, "data-lat", 0), lon = num(el, "data-lon", 0);
    var map = L.map(el, { scrollWheelZoom: false, maxZoom: 19 }).setView([lat, lon], 16);
    tiles(map, el);
    L.circleMarker([lat, lon], { radius: 8 }).addTo(map);
  }

  function categorySearch(input) {
    var select = document.querySelector("[data-category-select]");
    if (!select) { return; }
    var options = Array.prototype.slice.call(select.options);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var first = null;
      options.forEach(function (o) {
        var show = !q || !o.value || o.textContent.toLowerCase().indexOf(q) >= 0;
        o.hidden = !show;
        if (show && o.value && !first) { first = o; }
      });
      if (q && first) { select.value = first.value; }
    });
  }

  function idempotency(input) {
    if (!input.value && window.crypto && window.crypto.getRandomValues) {
      var a = new Uint32Array(4);
      window.crypto.getRandomValues(a);
      input.value = Array.prototype.map.call(a, function (x) { return x.toString(16); }).join("");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.L) {
      document.querySelectorAll("[data-map-pick]").forEach(pickMap);
      document.querySelectorAll("[data-map-public]").forEach(publicMap);
      document.querySelectorAll("[data-map-point]").forEach(pointMap);
    }
    document.querySelectorAll("[data-category-search]").forEach(categorySearch);
    document.querySelectorAll("[data-idempotency]").forEach(idempotency);
  });
})();
