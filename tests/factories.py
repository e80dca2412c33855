"""Factories for test data. USCCs and phones are valid by their standards."""

import random

import factory

from fugong.core.models import Region, Role, Unit, User
from fugong.registry.demo import make_uscc
from fugong.registry.models import Enterprise, EnterpriseAccount, EnterpriseList

_rng = random.Random(20200214)


def uscc(county="222401"):
    return make_uscc(_rng, county)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"区划{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"单位{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.ENTERPRISE  # least rights; a test asks for the role it means
    password = factory.django.Password("Fugong@2026")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.LazyAttribute(lambda o: uscc(o.region.code[:6]))
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    industry = "27"
    scale = "above"
    total_staff = 100
    contact_name = "王明秀"
    contact_phone = "13904330001"


class ListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseList
        django_get_or_create = ("name",)

    kind = "key"


def enterprise_user(username, enterprise, role=Role.ENTERPRISE):
    user = UserFactory(username=username, role=role)
    EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    return user
