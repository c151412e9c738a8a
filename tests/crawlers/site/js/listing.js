(function () {
  var PAGE = 3, shown = 0, all = [];
  var box = document.getElementById("jobs"), more = document.getElementById("more");
  function render() {
    all.slice(shown, shown + PAGE).forEach(function (job) {
      var card = document.createElement("div");
      card.className = "job-card";
      card.innerHTML = '<h3 class="title"></h3><p class="desc"></p><span class="ref"></span>';
      card.querySelector(".title").textContent = job.title;
      card.querySelector(".desc").textContent = job.desc;
      card.querySelector(".ref").textContent = job.id;
      box.appendChild(card);
    });
    shown = Math.min(all.length, shown + PAGE);
    more.hidden = shown >= all.length;
  }
  more.addEventListener("click", function () { setTimeout(render, 50); });
  fetch("/js/jobs.json").then(function (r) { return r.json(); }).then(function (jobs) { all = jobs; render(); });
})();
