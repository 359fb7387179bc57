def directory(request):
    raise NotImplementedError


profile = settings_profile = directory
