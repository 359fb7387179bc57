def directory(request):
    raise NotImplementedError


create = detail = edit = join = leave = members = member_action = invite = invitation_revoke = invitation = directory
