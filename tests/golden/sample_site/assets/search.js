// Site search on the search page, with Pagefind's JavaScript API and its per-language index.
// Loaded by the search page only. Without JavaScript the page keeps its web-search form (when
// the site's address is known) and the list of every page; nothing here is needed to use it.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form || !window.fetch || !window.Promise) { return; }
  var input = document.getElementById("search-q");
  var filters = document.getElementById("search-filters");
  var section = document.getElementById("search-section");
  var gbf = document.getElementById("search-gbf");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var note = document.getElementById("search-web-note");
  var words = form.dataset;
  var MAX_SHOWN = 50;
  var pagefind = null;
  var loading = null;
  var broken = false;
  var latest = 0;
  var timer = null;

  form.hidden = false;
  if (note) { note.hidden = true; }

  function say(text) { status.textContent = text; }

  function fill(select, counts) {
    Object.keys(counts || {}).sort(function (a, b) {
      return a.localeCompare(b, document.documentElement.lang, { numeric: true });
    }).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
  }

  // Import the bundle on first use only: it and the index are not part of the page's weight.
  function load() {
    if (!loading) {
      var bundle = new URL(words.bundle, document.baseURI);
      loading = import(new URL("pagefind.js", bundle).href).then(function (module) {
        pagefind = module;
        return pagefind.init();
      }).then(function () {
        return pagefind.filters();
      }).then(function (available) {
        fill(section, available.section);
        fill(gbf, available.gbf_target);
        filters.hidden = false;
      });
      loading.catch(function () {
        broken = true;
        if (note) { note.hidden = false; }
        say(words.failed);
      });
    }
    return loading;
  }

  function chosenFilters() {
    var chosen = {};
    if (section.value) { chosen.section = section.value; }
    if (gbf.value) { chosen.gbf_target = gbf.value; }
    return chosen;
  }

  function show(query, total, pages) {
    list.textContent = "";
    pages.forEach(function (page) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = page.url;
      link.textContent = (page.meta && page.meta.title) || page.url;
      var excerpt = document.createElement("p");
      excerpt.innerHTML = page.excerpt;  // Pagefind escapes the page text; it adds only <mark>
      item.appendChild(link);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    var message = total ? words.count : words.none;
    say(message.replace("{query}", query).replace("{count}", String(total)));
  }

  function run() {
    var query = input.value.trim();
    var chosen = chosenFilters();
    var ticket = ++latest;
    var address = query ? "?q=" + encodeURIComponent(query) : window.location.pathname;
    window.history.replaceState(null, "", address);
    if (!query && !Object.keys(chosen).length) {
      list.textContent = "";
      say("");
      return;
    }
    if (!pagefind) { say(words.loading); }
    load().then(function () {
      return pagefind.search(query || null, { filters: chosen });
    }).then(function (search) {
      if (ticket !== latest || !search) { return null; }
      var shown = search.results.slice(0, MAX_SHOWN);
      return Promise.all(shown.map(function (r) { return r.data(); })).then(function (pages) {
        if (ticket === latest) { show(query, search.results.length, pages); }
      });
    }).catch(function () { /* reported by load() */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 250);
  }

  form.addEventListener("submit", function (event) {
    if (broken && note) { return; }  // fall back to the web search the form points at
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  });
  input.addEventListener("input", later);
  input.addEventListener("focus", load, { once: true });
  section.addEventListener("change", run);
  gbf.addEventListener("change", run);

  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    run();
  }
}());
