"""The search page and the "similar threads" hint. They sit on top of the apps (the community
scope is read through communities' visibility policy) and search through the registry."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communities.models import Community

from .engine import search, similar
from .forms import SearchForm


@require_GET
def search_page(request):
    """Everything the visitor may see that matches `q`, best first, with filters. No `q` at
    all shows the empty form; a bad one (empty, too long, nothing to look for) says why."""
    # The scope choices need only these columns (not every community's stored vector).
    readable = Community.objects.content_visible_to(request.user).only("pk", "slug", "name").order_by("name")
    form = SearchForm(request.GET if "q" in request.GET else None, communities=readable)
    page_obj = None
    if form.is_bound and form.is_valid():
        results = search(user=request.user, query=form.cleaned_data["q"], filters=form.filters())
        page_obj = Paginator(results, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    scope = form.cleaned_data.get("community") if form.is_bound and not form.errors else None
    return render(
        request,
        "search/search.html",
        {
            "form": form,
            "page_obj": page_obj,
            "hits": page_obj.object_list if page_obj else [],
            "query": query.urlencode(),
            "scope": scope,
        },
        status=400 if form.errors else 200,
    )


@require_GET
def similar_threads(request):
    """The hint under a new thread's title (htmx, as the member types): up to five threads
    and resources they may see that look like what they are about to ask."""
    community = Community.objects.content_visible_to(request.user).filter(slug=request.GET.get("community", "")).first()
    title = request.GET.get("title", "").replace("\x00", "")[:200]  # Postgres refuses NUL characters
    return render(
        request,
        "search/partials/_similar.html",
        {"similar": similar(user=request.user, title=title, community=community), "title": title},
    )
