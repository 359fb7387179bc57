"""The API's views, one module per area, thin like the pages': parse the request, read through
the visibility policy or call the service, serialise. Shared pieces in _shared.py."""
