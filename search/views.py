"""The search page: read the query, jump to an item named by its number, else show what matches."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from . import selectors


@login_required
def search(request):
    query = selectors.parse_query(request.GET.get("q"))
    jump = selectors.item_jump(user=request.user, query=query)
    if jump:
        return redirect(jump)
    results = selectors.search(user=request.user, query=query, kind=request.GET.get("kind"),
                               page=request.GET.get("page"))
    return render(request, "search/search.html", {"results": results, "query": query,
                                                  "pager_query": urlencode({"q": query.text, "kind": results.kind}) + "&",
                                                  "max_length": selectors.MAX_QUERY_LENGTH})
