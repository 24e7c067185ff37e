from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from cqms.organisation.models import Department, Role, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-42")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set(Role.objects.filter(code__in=extracted))
        if create:
            self.save()


def make_user(username: str, *, roles=(), department: str | None = "sales", **fields) -> User:
    """A user with standard roles (organisation/defaults.py) in a seeded department."""
    dept = Department.objects.get(code=department) if department else None
    return UserFactory(username=username, roles=list(roles), department=dept, **fields)
