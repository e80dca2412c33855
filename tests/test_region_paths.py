"""A region's subtree is the range of paths [P, P with its last "/" made "0"), which a B-tree
serves on SQLite and PostgreSQL (core.models.path_q): it must select exactly the paths that
start with P, for regions and for the enterprises in them, and keep doing so after a region
moves and whatever the database's collation."""

import pytest
from django.db import connection

from fugong.core.models import Region
from fugong.registry.models import Enterprise

from .factories import EnterpriseFactory, RegionFactory, uscc

pytestmark = pytest.mark.django_db


def tree():
    province = RegionFactory(code="22", level="province")
    city = RegionFactory(code="2224", level="city", parent=province)
    other_city = RegionFactory(code="2201", level="city", parent=province)
    counties = [RegionFactory(code=c, level="county", parent=city) for c in ("222401", "222402")]
    towns = [
        RegionFactory(code=f"{counties[0].code}{n:03d}", level="township", parent=counties[0])
        for n in (1, 2, 100)
    ] + [RegionFactory(code="222402001", level="township", parent=counties[1])]
    RegionFactory(code="220101", level="county", parent=other_city)
    for region in Region.objects.all():
        EnterpriseFactory(region=region, uscc=uscc())
    return city, counties, towns


def by_prefix(region):
    """What the subtree means, computed in Python from the paths."""
    regions = {r.pk for r in Region.objects.all() if r.path.startswith(region.path)}
    firms = {
        e.pk
        for e in Enterprise.objects.select_related("region")
        if e.region.path.startswith(region.path)
    }
    return regions, firms


def test_the_range_selects_exactly_the_subtree_of_every_region():
    tree()
    for region in Region.objects.all():
        regions, firms = by_prefix(region)
        assert set(region.subtree().values_list("pk", flat=True)) == regions, region.code
        assert (
            set(Enterprise.objects.filter(region.subtree_q()).values_list("pk", flat=True)) == firms
        ), region.code
    county = Region.objects.get(code="222401")
    assert set(county.subtree().values_list("code", flat=True)) == {
        "222401",
        "222401001",
        "222401002",
        "222401100",
    }


def test_a_moved_county_takes_its_subtree_along():
    city, counties, towns = tree()
    moved = counties[0]
    moved.parent = Region.objects.get(code="2201")
    moved.save()
    new_city = Region.objects.get(code="2201")
    for region in (city, new_city, moved):
        region.refresh_from_db()
        regions, firms = by_prefix(region)
        assert set(region.subtree().values_list("pk", flat=True)) == regions
        assert (
            set(Enterprise.objects.filter(region.subtree_q()).values_list("pk", flat=True)) == firms
        )
    assert Enterprise.objects.filter(new_city.subtree_q(), region=towns[2]).exists()
    assert not Enterprise.objects.filter(city.subtree_q(), region=towns[2]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="collations are PostgreSQL's")
def test_postgresql_compares_paths_byte_by_byte():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'core_region' AND column_name = 'path'"
        )
        assert cursor.fetchone()[0] == "C"
        # what a linguistic collation would get wrong, the column gets right
        cursor.execute(
            "SELECT count(*) FROM (VALUES ('/22/2201/x'), ('/22/2201/'), ('/22/22010/')) v(p) "
            "WHERE p COLLATE \"C\" >= '/22/2201/' AND p COLLATE \"C\" < '/22/22010'"
        )
        assert cursor.fetchone()[0] == 2
