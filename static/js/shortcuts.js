// Keyboard shortcuts for reading (listed in templates/help/_shortcuts.html; keep in step):
// j / k next / previous post, r reply, u first unread, g then h home, ? this list.
// Without this file the footer link leads to /help/shortcuts/, which lists them.
(function () {
  "use strict";
  var dialog = null;
  var returnFocus = null;
  var pendingG = 0;

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  function posts() {
    return Array.prototype.slice.call(document.querySelectorAll("article.post"));
  }

  function focusPost(post) {
    if (!post.hasAttribute("tabindex")) post.setAttribute("tabindex", "-1");
    post.focus({ preventScroll: true });
    post.scrollIntoView({ block: "start", behavior: "instant" });
  }

  function step(direction) {
    var list = posts();
    if (!list.length) return false;
    var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest("article.post") : null;
    var index = list.indexOf(current);
    var next;
    if (index !== -1) {
      next = list[Math.min(list.length - 1, Math.max(0, index + direction))];
    } else if (direction > 0) {
      // Nothing focused yet: the first post that starts below the top of the window.
      next = list.find(function (post) { return post.getBoundingClientRect().top > 1; }) || list[list.length - 1];
    } else {
      next = list.slice().reverse().find(function (post) { return post.getBoundingClientRect().top < -1; }) || list[0];
    }
    focusPost(next);
    return true;
  }

  function reply() {
    var box = document.querySelector("#reply textarea") || document.querySelector("#reply a, #reply button");
    if (!box) return false;
    box.focus();
    return true;
  }

  function firstUnread() {
    var link = document.querySelector("[data-shortcut=unread]");
    if (!link) return false;
    var hash = link.getAttribute("href");
    var target = hash.charAt(0) === "#" ? document.getElementById(hash.slice(1)) : null;
    if (target) {
      focusPost(target);
      history.replaceState(null, "", hash);
    } else {
      window.location.href = link.href;
    }
    return true;
  }

  function openHelp() {
    dialog = dialog || document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open) return false;
    returnFocus = document.activeElement;
    dialog.showModal(); // modal: the page behind is inert, so focus stays in the dialog
    var close = dialog.querySelector("button");
    if (close) close.focus();
    return true;
  }

  // showModal() makes the page behind inert, but Tab would still leave for the browser's own
  // toolbar: keep it cycling through the dialog's controls until Escape or Close.
  function trapTab(event) {
    if (event.key !== "Tab" || !dialog || !dialog.open) return;
    var controls = Array.prototype.slice.call(dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"));
    if (!controls.length) return;
    var first = controls[0];
    var last = controls[controls.length - 1];
    var index = controls.indexOf(document.activeElement);
    if (event.shiftKey && index <= 0) {
      last.focus();
      event.preventDefault();
    } else if (!event.shiftKey && (index === -1 || index === controls.length - 1)) {
      first.focus();
      event.preventDefault();
    }
  }
  document.addEventListener("keydown", trapTab);

  document.addEventListener("close", function (event) {
    if (event.target.id === "shortcuts-dialog" && returnFocus && returnFocus.focus) {
      returnFocus.focus();
      returnFocus = null;
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-shortcuts-help]");
    if (link && openHelp()) event.preventDefault();
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (typing(event.target)) return;
    if (dialog && dialog.open) return; // Escape is the dialog's own (native <dialog>)
    var key = event.key;
    var handled = false;
    if (pendingG && key === "h" && Date.now() - pendingG < 1500) {
      pendingG = 0;
      var home = document.querySelector("a.brand");
      if (home) {
        window.location.href = home.href;
        handled = true;
      }
    } else if (key === "?") {
      handled = openHelp();
    } else if (event.shiftKey) {
      return;
    } else if (key === "g") {
      pendingG = Date.now();
      handled = true;
    } else if (key === "j") {
      handled = step(1);
    } else if (key === "k") {
      handled = step(-1);
    } else if (key === "r") {
      handled = reply();
    } else if (key === "u") {
      handled = firstUnread();
    }
    if (key !== "g") pendingG = 0;
    if (handled) event.preventDefault();
  });
})();
