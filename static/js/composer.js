// The composer, progressively enhanced: every form works without this file (the "Save draft"
// button saves, members type @username themselves). Does nothing on pages without a composer.
//  1. Autosave: 2 s after typing stops, the form is posted to its "Save draft" address and the
//     server's answer ("Draft saved at 14:02") goes into the status line (aria-live).
//  2. @mention suggestions: typing "@ka" lists members who can read the thread in a listbox
//     under the textarea. ArrowDown/ArrowUp move, Enter or Tab inserts "@username ", Escape closes.
(function () {
  "use strict";
  // Translated strings: Django's JavaScriptCatalog (base.html loads it first); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };
  var SAVE_DELAY_MS = 2000;
  var SUGGEST_DELAY_MS = 150;
  // The "@name" being typed just before the caret (same characters as the server's MENTION_RE).
  var TOKEN_RE = /(?:^|[^\w@\/])@([\w.+-]{1,40})$/;

  function post(url, form) {
    var data = new FormData(form);
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    });
  }

  function setUpAutosave(form, button) {
    var status = form.querySelector("[data-draft-status]");
    var timer = null;
    var lastSaved = snapshot();

    function snapshot() {
      var title = form.querySelector("[name=title]");
      var body = form.querySelector("[name=body]");
      return (title ? title.value : "") + "\u0000" + (body ? body.value : "");
    }

    function save() {
      timer = null;
      var now = snapshot();
      if (now === lastSaved) return;
      lastSaved = now;
      post(button.getAttribute("data-draft-url"), form)
        .then(function (response) { return response.text(); })
        .then(function (text) { if (status) status.textContent = text.trim(); })
        .catch(function () {
          lastSaved = null; // try again at the next pause
          if (status) status.textContent = gettext("The draft could not be saved; it will be tried again.");
        });
    }

    form.addEventListener("input", function (event) {
      var name = event.target.name;
      if (name !== "body" && name !== "title") return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, SAVE_DELAY_MS);
    });
    // Posting discards the draft on the server; a save still waiting must not bring it back.
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
      timer = null;
    });
  }

  function setUpMentions(box) {
    var form = box.closest("form");
    var textarea = form && form.querySelector("textarea[name=body]");
    var list = box.querySelector("[role=listbox]");
    if (!textarea || !list) return;
    var listId = (textarea.id || "body") + "-mentions";
    list.id = listId;
    var announcer = document.createElement("span");
    announcer.className = "visually-hidden";
    announcer.setAttribute("aria-live", "polite");
    box.parentNode.insertBefore(announcer, box);
    var options = [];
    var active = -1;
    var timer = null;
    var request = 0;

    function token() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TOKEN_RE.exec(before);
      return match ? match[1] : null;
    }

    function close() {
      box.hidden = true;
      list.textContent = "";
      options = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) textarea.setAttribute("aria-activedescendant", options[index].element.id);
      else textarea.removeAttribute("aria-activedescendant");
    }

    function insert(index) {
      var username = options[index].username;
      var caret = textarea.selectionStart;
      var before = textarea.value.slice(0, caret).replace(/@[\w.+-]*$/, "@" + username + " ");
      textarea.value = before + textarea.value.slice(caret);
      textarea.setSelectionRange(before.length, before.length);
      close();
      // Let the preview and the autosave see the change, as if typed.
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      textarea.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }

    function show(members) {
      close();
      if (!members.length) return;
      members.forEach(function (member, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = member.name;
        var handle = document.createElement("span");
        handle.className = "muted";
        handle.textContent = " @" + member.username;
        li.appendChild(name);
        li.appendChild(handle);
        // mousedown, not click: keep the focus (and caret) in the textarea.
        li.addEventListener("mousedown", function (event) { event.preventDefault(); insert(i); });
        list.appendChild(li);
        options.push({ element: li, username: member.username });
      });
      box.hidden = false;
      announcer.textContent = interpolate(ngettext(
        "%(count)s member to mention: arrow keys to choose, Enter to insert.",
        "%(count)s members to mention: arrow keys to choose, Enter to insert.",
        members.length
      ), { count: members.length }, true);
    }

    function suggest() {
      var prefix = token();
      if (!prefix) { close(); return; }
      var mine = ++request;
      var url = box.getAttribute("data-mention-url") + "?q=" + encodeURIComponent(prefix);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { members: [] }; })
        .then(function (data) { if (mine === request) show(data.members || []); })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(suggest, SUGGEST_DELAY_MS);
    });
    textarea.addEventListener("keydown", function (event) {
      if (box.hidden || !options.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        insert(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  // The page's composers, or (post_actions.js, for a form it just opened) those under `root`.
  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("button[data-draft-url]").forEach(function (button) {
      if (button.form) setUpAutosave(button.form, button);
    });
    scope.querySelectorAll("[data-mention-url]").forEach(setUpMentions);
  }
  window.copComposer = { setUp: init };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
