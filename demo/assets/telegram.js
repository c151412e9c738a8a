/* Channel preview: loads older messages when the reader scrolls to the top (links kept for crawlers). */
(function () {
  "use strict";
  var more = document.querySelector(".js-messages_more[data-before]");
  if (!more || !("IntersectionObserver" in window)) { return; }
  new IntersectionObserver(function (entries, observer) {
    if (entries[0].isIntersecting) {
      observer.disconnect();
      window.location.href = more.getAttribute("href");
    }
  }).observe(more);
})();
