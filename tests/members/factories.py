import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    display_name = factory.Faker("name")
    headline = "Practitioner"
    discipline = factory.Iterator(["Hydrology", "Public finance", "Urban planning", "Epidemiology"])
    country = factory.Iterator(["KE", "FR", "BR", "IN", "GH"])
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Give the user a verified primary address, as allauth requires to sign in
        (pass verified=False for an unverified account)."""
        if not create or extracted is False:
            return
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
