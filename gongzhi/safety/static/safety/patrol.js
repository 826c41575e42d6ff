/* Patrol form: fill the position from the phone's location, when the worker asks for it. */
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-geo-fill]");
    if (!button || !navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = document.querySelector("[data-geo=lat]");
      var lon = document.querySelector("[data-geo=lon]");
      if (lat && lon) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
      }
    });
  });
})();
