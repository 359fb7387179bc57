// The theme toggle in the footer (System / Light / Dark), enhanced: without this file the
// buttons submit the form, the server stores the choice in a cookie and renders data-theme on
// <html>. With it, the colours switch at once and the same form is sent in the background.
(function () {
  "use strict";
  var THEMES = ["system", "light", "dark"];

  function apply(theme) {
    var root = document.documentElement;
    if (theme === "system") {
      root.removeAttribute("data-theme");
    } else {
      root.setAttribute("data-theme", theme);
    }
    document.querySelectorAll(".theme-form button[name=theme]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === theme ? "true" : "false");
    });
    // The Django admin under /manage/ keeps its own choice in localStorage ("auto" for the
    // system's): keep the two in agreement.
    try {
      window.localStorage.setItem("theme", theme === "system" ? "auto" : theme);
    } catch (error) {
      // Storage disabled: the admin then follows the system setting, which is harmless.
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.classList.contains("theme-form") || !button || THEMES.indexOf(button.value) === -1) {
      return;
    }
    event.preventDefault();
    apply(button.value);
    var data = new FormData(form);
    data.set("theme", button.value);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (!response.ok) {
        form.submit(); // let the server answer the plain way (and show why)
      }
    }).catch(function () {
      // Offline: the colours changed for this page; the choice is not kept, as without JS.
    });
  });
})();
