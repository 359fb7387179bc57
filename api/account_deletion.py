"""What deleting an account means for the API: no token outlives its account.

The tokens' rows cascade with the user row; this step deletes them first, inside the deleting
transaction, so a request arriving while the account is being deleted cannot authenticate
with one either (AccessToken.objects.usable() also refuses an inactive owner)."""

from .models import AccessToken


def tokens_delete_with_account(user) -> None:
    AccessToken.objects.filter(user=user).delete()
