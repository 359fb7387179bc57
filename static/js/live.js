// Live updates by conditional polling (README "Live updates"): an open thread says "N new
// replies" and the navigation's notification badge follows the count, without a reload.
// Progressive enhancement only: without this file the pages show the same on reload.
//
// Each poll sends the ETag of the last answer (the page renders the first one), so an
// unchanged thread or count costs the server one small query and a 304. Hidden tabs poll
// less often and catch up when shown again; a poll that fails with a client error (the thread
// is gone, the member signed out) stops for good, a server or network error backs off and
// stops after a few tries.
(function () {
  "use strict";
  // Translated strings: Django's JavaScriptCatalog (base.html loads it first); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  var HIDDEN_FACTOR = 6; // a hidden tab polls this many times less often
  var MAX_FAILURES = 5;

  function poll(url, seconds, etag, onData) {
    var failures = 0;
    var timer = null;
    var stopped = false;

    function delay() {
      var ms = seconds * 1000;
      if (document.visibilityState === "hidden") ms *= HIDDEN_FACTOR;
      return ms * Math.pow(2, failures);
    }

    function schedule() {
      if (stopped) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, delay());
    }

    function run() {
      var headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 304) {
            failures = 0;
            return null;
          }
          if (response.status >= 400 && response.status < 500) {
            stopped = true;
            return null;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          failures = 0;
          etag = response.headers.get("ETag") || etag;
          return response.json().then(onData);
        })
        .catch(function () {
          failures += 1;
          if (failures >= MAX_FAILURES) stopped = true;
        })
        .then(schedule);
    }

    document.addEventListener("visibilitychange", function () {
      // Back on screen: ask now rather than wait out the longer hidden interval.
      if (document.visibilityState === "visible" && !stopped) {
        window.clearTimeout(timer);
        run();
      } else {
        schedule();
      }
    });
    schedule();
  }

  function seconds(element) {
    var value = parseFloat(element.getAttribute("data-interval"));
    return value > 0 ? value : 0;
  }

  // "N new replies — show them": a link to the first new reply (its permalink finds the
  // right page), in a role="status" region so screen readers announce it.
  function showNewReplies(region, data) {
    if (!data.new) return;
    var link = region.querySelector("a");
    if (!link) {
      link = document.createElement("a");
      link.className = "button small";
      region.appendChild(link);
    }
    link.href = data.url;
    link.textContent = data.label || interpolate(ngettext("%(count)s new reply — show it", "%(count)s new replies — show them", data.new), { count: data.new }, true);
  }

  // The badge markup matches base.html's, so a reload shows the same thing.
  function showUnread(link, data) {
    var badge = link.querySelector(".badge");
    if (!data.unread) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge accent";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    var many = data.unread > data.cap;
    badge.textContent = many ? data.cap + "+" : String(data.unread);
    badge.setAttribute("aria-label", many
      ? interpolate(gettext("more than %(count)s unread"), { count: data.cap }, true)
      : interpolate(ngettext("%(count)s unread", "%(count)s unread", data.unread), { count: data.unread }, true));
  }

  function start() {
    var region = document.querySelector("[data-live-thread]");
    if (region && seconds(region)) {
      poll(region.getAttribute("data-live-thread"), seconds(region), region.getAttribute("data-etag"), function (data) {
        showNewReplies(region, data);
      });
    }
    var badgeLink = document.querySelector("[data-live-count]");
    if (badgeLink && seconds(badgeLink)) {
      poll(badgeLink.getAttribute("data-live-count"), seconds(badgeLink), badgeLink.getAttribute("data-etag"), function (data) {
        showUnread(badgeLink, data);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
