"""factory_boy factories shared by the whole suite."""

import factory
from django.contrib.auth import get_user_model

from cases.models import Case, Party
from departments.models import Center, Department, Desk, Role, Service, ServicePackage, StaffProfile


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center
        django_get_or_create = ("code",)

    code = "420923"
    name = "测试县综治中心"
    parent = None
    level = factory.LazyAttribute(
        lambda o: "township" if o.parent is not None and len(o.code) == 9 else "county"
    )
    slug = factory.LazyAttribute(lambda o: f"c{o.code}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.Sequence(lambda n: f"单位{n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")
    kind = Department.Kind.STANDING


class DeskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Desk

    department = factory.SubFactory(DepartmentFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: o.department.short_name)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"服务{n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


class ServicePackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePackage

    name = factory.Sequence(lambda n: f"套餐{n}")
    slug = factory.Sequence(lambda n: f"package-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.django.Password("zongzhi-test")


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff profile; use ``StaffFactory(role=...).user`` to get the user."""

    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    role = Role.RECEPTION
    center = factory.SubFactory(CenterFactory)
    display_name = factory.Sequence(lambda n: f"工作人员{n}")
    department = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.LIAISON),
        yes_declaration=factory.SubFactory(DepartmentFactory),
        no_declaration=None,
    )


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row written directly (no service): for selectors and pages, not lifecycle tests."""

    class Meta:
        model = Case

    center = factory.SubFactory(CenterFactory)
    code = factory.Sequence(
        lambda n: __import__("cases.codes", fromlist=["make_code"]).make_code("420923", 2025, n + 1)
    )
    title = factory.Sequence(lambda n: f"测试事项{n}")
    description = "测试描述"
    category = "labour"
    source = "walk_in"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    case = factory.SubFactory(CaseFactory)
    name = "张三"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = ""
    role = Party.Role.APPLICANT
