"""The library's member-facing pages: browsing and a resource's page (reading), adding,
editing, curating and versions (writing), and file downloads (downloads).

Every view first fetches through the visibility policy, so an outsider gets the same 404 for a
private community's library whatever the address, the method or whether they are signed in;
only then come the method, sign-in and permission checks (a refused action on something the
viewer can see is a 403 page that says why). Writes go through resources.services.

Import from the module itself (resources.views.reading); nothing is re-exported here.
"""
