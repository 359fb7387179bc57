// The site header on a phone: the navigation links fold behind a "Menu" button so the page's
// own heading is in view at once. Progressive enhancement: without this file the button stays
// hidden and every link shows (compact, see app.css). Notifications (.nav-keep) stay in view.
(function () {
  var nav = document.querySelector(".site-header .nav");
  var toggle = nav && nav.querySelector(".nav-toggle");
  if (!toggle) {
    return;
  }
  var phone = window.matchMedia("(max-width: 47.99em)");

  function setOpen(open) {
    nav.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function fit() {
    nav.classList.toggle("nav-collapsible", phone.matches);
    toggle.hidden = !phone.matches;
    setOpen(false);
  }

  toggle.addEventListener("click", function () {
    setOpen(!nav.classList.contains("nav-open"));
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("nav-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
  phone.addEventListener("change", fit);
  fit();
})();
