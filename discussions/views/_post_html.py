"""A thread page's posts written in Python: the HTML `_post.html` and `_reactions.html` wrote
(which they replace), built from the flags the selector and the view set on each post, with
the page's strings translated once and its addresses built once.

Why not templates: a post's header, reactions and action links cost ~0.6 ms a post through
the template engine (an include, ~25 variable lookups and a {% csrf_token %} a post), a third
of a signed-in page; written here they cost a tenth of that, so a page's cost grows slowly
with its posts (the nested page shows a hundred). What is rare stays a template: a post's
attachments, and the reply form a post shows open with the member's draft reply to it.

Every value from a member (names, the hidden reason) is escaped here; `body_html` is stored,
already sanitised HTML (cop_platform.markdown), as the template's `|safe` printed it.

Its actions are plain links to the pages that do them (reply, edit, delete, flag, hide), so
they work without JavaScript; static/js/post_actions.js opens the page's one copy of the
reply, flag or hide form (thread_detail.html's <template>) under the post instead.
"""

from functools import lru_cache

from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext

from ..models import ReactionKind

CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'  # as {% csrf_token %} writes it


class Texts:
    """The words a page of posts uses, translated once per language (`texts()`)."""

    def __init__(self):
        self.former_member = escape(gettext("A former member"))
        self.link_title = escape(gettext("Link to this post"))
        self.edited = escape(gettext("edited"))
        self.unread = escape(gettext("unread"))
        self.accepted = escape(gettext("Accepted answer"))
        self.deleted = escape(gettext("This post was deleted."))
        self.hidden = escape(gettext("This post was hidden by a coordinator."))
        self.hidden_note = gettext("Hidden by a coordinator: %(reason)s")
        self.reply = escape(pgettext("verb", "Reply"))
        self.edit = escape(gettext("Edit"))
        self.delete = escape(gettext("Delete"))
        self.accept = escape(gettext("Accept as answer"))
        self.unaccept = escape(gettext("Unmark as answer"))
        self.flag = escape(pgettext("verb", "Flag"))
        self.restore = escape(gettext("Restore"))
        self.hide = escape(gettext("Hide"))
        self.continues = escape(gettext("Continue this thread →"))
        self.reactions = [(kind, escape(label)) for kind, label in ReactionKind.choices]


@lru_cache(maxsize=64)
def _texts(language: str) -> Texts:
    return Texts()


def texts() -> Texts:
    """The words in the active language (translated once per process and language)."""
    return _texts(get_language())


def csrf_input(token: str) -> str:
    return CSRF_INPUT.format(escape(token))


def reactions_html(post, *, csrf: str, texts: Texts | None = None) -> SafeString:
    """The post's reactions: buttons that toggle the viewer's reaction (swapped in place by
    htmx, a plain form without JavaScript, one a post: the button names the reaction), or
    just the counts for people who cannot react. Needs post.reaction_buttons, post.can_react
    (views._shared._with_reaction_buttons); `csrf`: the form's CSRF input (csrf_input())."""
    pk = post.pk
    labels = dict((texts or _texts(get_language())).reactions)
    parts = [f'<div class="reactions" id="reactions-{pk}">']
    if post.can_react:
        buttons = post.reaction_buttons
        parts.append(
            f'<form method="post" action="{escape(buttons[0].url)}" class="inline" '
            f'hx-target="#reactions-{pk}" hx-swap="outerHTML">{csrf}'
        )
        for button in buttons:
            count = f' <span class="count">{button.count}</span>' if button.count else ""
            active, pressed = (" active", "true") if button.active else ("", "false")
            parts.append(
                f'\n<button name="kind" value="{button.kind}" hx-post="{escape(button.url)}" '
                f'class="reaction{active}" aria-pressed="{pressed}">{labels[button.kind]}{count}</button>'
            )
        parts.append("\n</form>")
    else:
        for button in post.reaction_buttons:
            if button.count:
                count = f'<span class="count">{button.count}</span>'
                parts.append(f'\n<span class="reaction static">{labels[button.kind]} {count}</span>')
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 (escaped above; ints and fixed words otherwise)


def _header(post, texts: Texts) -> str:
    author = post.author
    if author is not None:
        who = f'<a class="author" href="{escape(post.author_url)}">{escape(author.name)}</a>'
        if author.display_name:
            who += f' <span class="author-handle muted small">@{escape(author.username)}</span>'
    else:
        who = f'<span class="author muted">{texts.former_member}</span>'
    parts = [
        f'<header class="post-meta" id="post-{post.pk}-meta">{who}\n'
        f'<a class="post-time" href="{post.url}" title="{texts.link_title}">'
        f'<time datetime="{post.created_iso}">{escape(post.created_natural)}</time></a>'
    ]
    if post.edited_at and not post.is_deleted:
        if post.can_see_revisions:
            parts.append(f'\n<a class="edited" href="{post.url}revisions/">{texts.edited}</a>')
        else:
            parts.append(f'\n<span class="edited">{texts.edited}</span>')
    if post.is_unread:
        parts.append(f'\n<span class="badge accent">{texts.unread}</span>')
    if post.is_accepted:
        parts.append(f'\n<span class="badge ok">{texts.accepted}</span>')
    parts.append("</header>\n")
    return "".join(parts)


def _body(post, texts: Texts) -> str:
    if post.is_deleted:
        return f'<p class="placeholder">{texts.deleted}</p>'
    if post.is_hidden and not post.show_text:
        return f'<p class="placeholder">{texts.hidden}</p>'
    note = ""
    if post.is_hidden:
        note = f'<p class="hidden-note">{texts.hidden_note % {"reason": escape(post.hidden_reason)}}</p>\n'
    files = ""
    if post.has_attachments is not False:  # rare: its template
        files = "\n" + get_template("discussions/partials/_post_attachments.html").render({"post": post})
    return f'{note}<div class="prose post-body">{post.body_html}</div>{files}'


def _actions(post, page, texts: Texts) -> str:
    url, csrf = post.url, page.csrf
    parts = ['\n<div class="post-actions">']
    if post.can_reply_here:
        author = f' data-author="{escape(post.author.name)}"' if post.author else ""
        parts.append(
            f'\n<a href="{escape(page.reply_url)}?parent={post.pk}" data-post-action="reply"{author}>{texts.reply}</a>'
        )
    if post.can_edit:
        parts.append(f'\n<a href="{url}edit/">{texts.edit}</a> <a href="{url}delete/">{texts.delete}</a>')
    if post.can_accept:
        secondary, label = ("", texts.unaccept) if post.is_accepted else (" secondary", texts.accept)
        parts.append(
            f'\n<form method="post" action="{url}accept/" class="inline">{csrf}'
            f'<button type="submit" class="small{secondary}">{label}</button></form>'
        )
    if post.can_flag:
        parts.append(f'\n<a href="{url}flag/" data-post-action="flag">{texts.flag}</a>')
    if post.can_moderate and not post.is_deleted:
        if post.is_hidden:
            parts.append(
                f'\n<form method="post" action="{url}hide/" class="inline">{csrf}'
                '<input type="hidden" name="action" value="restore">'
                f'<button type="submit" class="small secondary">{texts.restore}</button></form>'
            )
        else:
            parts.append(f'\n<a href="{url}hide/" data-post-action="hide">{texts.hide}</a>')
    parts.append("\n</div>")
    composer = getattr(post, "composer", None)
    if composer:  # a draft reply to this post: its reply form, open (rare: its template)
        parts.append("\n" + page.render_reply_form(post, composer))
    return "".join(parts)


class PageOfPosts:
    """What every post of one page shares: the words, the CSRF input of its forms, the reply
    and "continue this thread" addresses, and how to draw a post's open reply form."""

    def __init__(self, *, csrf: str, reply_url: str, subtree_url: str, render_reply_form):
        self.texts = texts()
        self.csrf = csrf
        self.reply_url = reply_url
        self.subtree_url = subtree_url  # ends with the post's id, then "/"; "{}" stands for it
        self.render_reply_form = render_reply_form

    def post(self, post) -> SafeString:
        """One post, in its place in the tree (depth-N indents it). Needs the flags of
        selectors.thread_page and views.reading._decorate_for_template (url, author_url,
        created_iso, created_natural, can_*, has_actions, reaction_buttons)."""
        texts = self.texts
        classes = f"post depth-{post.depth} indent-{post.indent}"
        if post.is_opening:
            classes += " opening"
        if post.is_accepted:
            classes += " accepted"
        if post.is_unread:
            classes += " unread"
        if post.is_deleted or post.is_hidden:
            classes += " muted-post"
        parts = [
            f'<article id="post-{post.pk}" class="{classes}" aria-labelledby="post-{post.pk}-meta">\n',
            _header(post, texts),
            _body(post, texts),
        ]
        if not post.is_deleted:
            parts.append("\n" + reactions_html(post, csrf=self.csrf, texts=texts))
        if post.has_actions:
            parts.append(_actions(post, self, texts))
        if post.continues:
            link = f'<a href="{self.subtree_url.format(post.pk)}">{texts.continues}</a>'
            parts.append(f'\n<p class="continue">{link}</p>')
        parts.append("\n</article>")
        return mark_safe("".join(parts))  # noqa: S308 (members' values escaped; body_html is sanitised)

    def posts(self, posts) -> SafeString:
        return mark_safe("\n".join(self.post(post) for post in posts))  # noqa: S308 (each one is safe)
