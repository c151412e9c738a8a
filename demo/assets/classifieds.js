/* Phsar Classifieds: the listing is built here from JSON, so only a browser sees the ads.
   The first ads come inline (#initial-data); "Show more" fetches the rest. */
(function () {
  "use strict";
  var list = document.getElementById("listings");
  var more = document.getElementById("show-more");
  var loading = document.getElementById("loading");

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function dateLabel(iso) {
    var date = new Date(iso);
    return date.toLocaleDateString("en-GB", {day: "numeric", month: "short", year: "numeric"});
  }

  function card(ad, batch) {
    var article = element("article", "listing");
    article.id = "ad-" + ad.id;
    article.setAttribute("data-id", String(ad.id));
    article.setAttribute("data-batch", String(batch));
    var title = element("h3", "listing-title");
    var link = element("a", "listing-link", ad.title);
    link.href = "/classifieds/#ad-" + ad.id;
    title.appendChild(link);
    article.appendChild(title);
    var meta = element("div", "listing-meta");
    meta.appendChild(element("span", "listing-poster", ad.poster));
    if (ad.location) { meta.appendChild(document.createTextNode(" · ")); meta.appendChild(element("span", "listing-location", ad.location)); }
    meta.appendChild(document.createTextNode(" · "));
    var time = element("time", "listing-date", dateLabel(ad.posted));
    time.setAttribute("datetime", ad.posted);
    meta.appendChild(time);
    article.appendChild(meta);
    if (ad.price) { article.appendChild(element("p", "listing-price", ad.price)); }
    var body = element("div", "listing-body");
    body.setAttribute("lang", ad.lang);
    ad.body.forEach(function (line) { body.appendChild(element("p", null, line)); });
    article.appendChild(body);
    return article;
  }

  function render(ads, batch) {
    ads.forEach(function (ad) { list.appendChild(card(ad, batch)); });
  }

  var initial = JSON.parse(document.getElementById("initial-data").textContent);
  window.setTimeout(function () {  // as if the first page came from an API call
    render(initial.ads, 1);
    loading.hidden = true;
    if (initial.more) {
      more.hidden = false;
      more.addEventListener("click", function () {
        more.disabled = true;
        window.fetch(initial.more, {headers: {Accept: "application/json"}})
          .then(function (response) { return response.json(); })
          .then(function (data) { render(data.ads, 2); more.hidden = true; })
          .catch(function () { more.disabled = false; });
      });
    }
  }, 300);
})();
