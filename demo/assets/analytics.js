/* Stand-in for a page-view counter: records events locally, sends nothing. */
(function () {
  "use strict";
  var queue = window.mwLayer = window.mwLayer || [];
  queue.push({event: "page_view", path: window.location.pathname, at: Date.now()});
})();
