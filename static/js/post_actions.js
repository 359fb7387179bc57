// A thread page's per-post actions, attached on demand. Each post shows plain links (Reply,
// Flag, Hide) to the pages that do them without JavaScript; the page holds one copy of each form
// (<template id="post-forms">, see _post_forms.html). A click on a link copies that form under
// its post, aimed at the address the link pointed to, and moves the focus into it; a second
// click, or Escape in the form, hides it again (what was typed stays). The reply form gets the
// composer's autosave and @mention suggestions (composer.js) and htmx's live preview.
(function () {
  "use strict";
  var forms = document.getElementById("post-forms");
  if (!forms || !forms.content) return;

  function withPostId(box, postId) {
    box.querySelectorAll("[id], label[for], [hx-target]").forEach(function (element) {
      ["id", "for", "hx-target"].forEach(function (name) {
        var value = element.getAttribute(name);
        if (value && value.indexOf("__post__") !== -1) element.setAttribute(name, value.replace("__post__", postId));
      });
    });
  }

  function focusInside(box) {
    var field = box.querySelector("textarea, select, input:not([type=hidden])");
    if (field) field.focus();
  }

  function open(link) {
    var kind = link.getAttribute("data-post-action");
    var article = link.closest("article.post");
    var actions = link.closest(".post-actions");
    if (!article || !actions) return false;
    var postId = article.id.replace("post-", "");
    var boxId = kind + "-box-" + postId;
    var box = document.getElementById(boxId) || article.querySelector(':scope > [data-post-form="' + kind + '"]');
    if (box) { // open already (or rendered open with a draft): show or hide it
      box.id = boxId;
      box.hidden = !box.hidden;
      link.setAttribute("aria-expanded", box.hidden ? "false" : "true");
      link.setAttribute("aria-controls", boxId);
      if (!box.hidden) focusInside(box);
      return true;
    }
    var source = forms.content.querySelector('[data-post-form="' + kind + '"]');
    if (!source) return false; // follow the link
    box = source.cloneNode(true);
    box.id = boxId;
    withPostId(box, postId);
    var form = box.querySelector("form");
    form.setAttribute("action", link.pathname);
    var parent = form.querySelector("[name=parent]");
    if (parent) parent.value = postId;
    var key = form.querySelector("[name=submission_key]");
    if (key && key.value) key.value = key.value.slice(0, 40) + "-" + postId; // one key per reply box
    var label = form.querySelector("label[data-named]");
    var author = link.getAttribute("data-author");
    if (label && author) label.textContent = label.getAttribute("data-named").replace("__name__", author);
    actions.parentNode.insertBefore(box, actions.nextSibling);
    if (window.htmx) window.htmx.process(box);
    if (window.copComposer) window.copComposer.setUp(box);
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", boxId);
    focusInside(box);
    return true;
  }

  // Escape in an opened form closes it and puts the focus back on its link (what was typed stays).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !event.target.closest) return;
    var box = event.target.closest("[data-post-form]");
    var article = box && box.closest("article.post");
    if (!article || box.closest("template")) return;
    var link = article.querySelector('a[aria-controls="' + box.id + '"]');
    if (!link) return;
    box.hidden = true;
    link.setAttribute("aria-expanded", "false");
    link.focus();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-post-action]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    if (open(link)) event.preventDefault();
  });
})();
