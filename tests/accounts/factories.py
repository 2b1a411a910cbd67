import factory
from django.contrib.auth.models import Group, User

from accounts.models import Company, Contact


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@seatdesk.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("demo")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.LazyAttribute(lambda c: c.name.lower().replace(" ", "") + ".example")
    industry = "software"
    country = "FR"
    employee_count = 100
    target_seats = 60
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        company = super()._create(model_class, *args, **kwargs)
        Company.objects.filter(pk=company.pk).refresh_search_documents()  # as save_company does
        company.refresh_from_db(fields=["search_document"])
        return company


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    job_title = "IT manager"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        contact = super()._create(model_class, *args, **kwargs)
        Company.objects.filter(pk=contact.company_id).refresh_search_documents()  # as save_contact
        return contact


def make_api_token(user, scope: str = "write", name: str = "test script") -> str:
    """A usable API token's key for `user` (read-write unless told)."""
    from accounts.services import create_api_token

    return create_api_token(user=user, name=name, scope=scope)[1]
