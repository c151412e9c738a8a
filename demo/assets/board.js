/* MekongWorks: cookie banner and ad slots (no network requests; fictional demo site). */
(function () {
  "use strict";
  var banner = document.getElementById("cookie-banner");
  if (banner && !window.localStorage.getItem("mw-consent")) {
    banner.hidden = false;
    banner.addEventListener("click", function (event) {
      var choice = event.target.getAttribute("data-consent");
      if (choice) {
        window.localStorage.setItem("mw-consent", choice);
        banner.hidden = true;
      }
    });
  }
  document.querySelectorAll(".ad-slot[data-ad-unit]").forEach(function (slot) {
    slot.setAttribute("data-ad-loaded", "true");
  });
})();
