/* Attachments in the post composer (templates/discussions/partials/_attachments_field.html).
   Without this file the file field uploads with the form. With it, a file chosen with the
   field, pasted into the text or dropped on it is uploaded at once to the field's
   data-upload-url, and the Markdown the server returns (an image shows inline) is inserted
   where the caret is; the upload's id rides along with the form so the post claims it. */
(function () {
  "use strict";
  // Translated strings: Django's JavaScriptCatalog (base.html loads it first); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };

  function insertAtCaret(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    var before = value.slice(0, start), after = value.slice(end);
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    var inserted = lead + text + "\n";
    textarea.value = before + inserted + after;
    var caret = before.length + inserted.length;
    textarea.setSelectionRange(caret, caret);
    // Let the live preview (htmx, on keyup) and anything else listening see the new text.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }

  function listItem(text) {
    var item = document.createElement("li");
    item.textContent = text;
    return item;
  }

  function enhance(field) {
    if (field.dataset.attachmentsReady) return;
    field.dataset.attachmentsReady = "1";
    var form = field.closest("form");
    var textarea = form && form.querySelector("textarea[name=body]");
    var input = field.querySelector("input[type=file]");
    if (!textarea || !input || !window.fetch || !window.FormData) return;
    var errors = field.querySelector(".attachments-errors");
    var pending = field.querySelector(".attachments-pending");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var hint = field.querySelector(".attachments-js-hint");
    if (hint) hint.hidden = false;

    function upload(file) {
      var status = listItem(file.name ? interpolate(gettext("Uploading %(name)s…"), { name: file.name }, true) : gettext("Uploading the image…"));
      pending.appendChild(status);
      var data = new FormData();
      data.append("file", file, file.name || "pasted-image.png");
      fetch(field.dataset.uploadUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) throw new Error(result.body.error || gettext("This file was not accepted."));
          var id = document.createElement("input");
          id.type = "hidden";
          id.name = "attachment_ids";
          id.value = result.body.id;
          status.textContent = interpolate(gettext("%(name)s (%(size)s), attached"), { name: result.body.name, size: result.body.size }, true);
          status.appendChild(id);
          insertAtCaret(textarea, result.body.markdown);
        })
        .catch(function (error) {
          status.remove();
          var message = error instanceof SyntaxError || error instanceof TypeError
            ? interpolate(gettext("%(name)s: the upload failed; check the connection and try again."), { name: file.name || gettext("The file") }, true)
            : error.message;
          errors.appendChild(listItem(message));
          field.classList.add("has-error");
        });
    }

    function uploadAll(files) {
      errors.textContent = "";
      field.classList.remove("has-error");
      Array.prototype.forEach.call(files, upload);
    }

    input.addEventListener("change", function () {
      uploadAll(input.files);
      input.value = ""; // uploaded already: the form must not send it again
    });
    textarea.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        uploadAll(files);
      }
    });
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
    textarea.addEventListener("dragleave", function () { textarea.classList.remove("drop-target"); });
    textarea.addEventListener("drop", function (event) {
      textarea.classList.remove("drop-target");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        event.preventDefault();
        uploadAll(files);
      }
    });
  }

  function enhanceAll() {
    document.querySelectorAll(".attachments-field[data-upload-url]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
