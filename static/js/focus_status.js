// Progressive enhancement only: every page works without this file.
// After a redirect with a message ("Welcome to ...", "Your reply is posted.") the page opens
// with focus on <body>, and a screen reader may not announce a status region that was already
// there when the page loaded. Moving focus to the message makes it read out and lets keyboard
// users carry on from the top. A field with errors (autofocus) wins; a link to a post
// (#post-12) keeps its scroll position.
(function () {
  var messages = document.getElementById("messages");
  if (messages && !document.querySelector("[autofocus]")) {
    messages.focus({ preventScroll: Boolean(window.location.hash) });
  }
})();
