def library(request, **kwargs):
    raise NotImplementedError


resource_new = detail = edit = delete = download = version_new = version_delete = curate = library
