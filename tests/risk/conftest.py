"""Fixtures of the risk tests: a county with two townships and places, a feed client per feed."""

import pytest

from departments.models import Place
from risk.models import Feed, FeedClient

from ..factories import CenterFactory, UserFactory


@pytest.fixture
def township(center):
    return CenterFactory(code="420923101", name="白河镇综治中心", parent=center)


@pytest.fixture
def other_township(center):
    return CenterFactory(code="420923102", name="青石镇综治中心", parent=center)


@pytest.fixture
def village(township):
    return Place.objects.create(
        township=township, kind=Place.Kind.VILLAGE, name="白河村", code="420923101201"
    )


@pytest.fixture
def grid(village):
    return Place.objects.create(
        township=village.township, parent=village, kind=Place.Kind.GRID, name="白河村第三网格", code=""
    )


@pytest.fixture
def feed_client(center):
    """Make the feed client (a user with a token-able account) of ``feed`` at ``center``."""

    def make(feed: str = Feed.POLICE, at=None):
        user = UserFactory(username=f"feed-{feed}-{(at or center).code}")
        return FeedClient.objects.create(user=user, feed=feed, center=at or center, name=f"{feed} 接口")

    return make


def item(external_id="P-1", *, text="工地讨薪，二十余名工人聚集", people=None, **extra):
    """One feed item in the contract's shape."""
    return {
        "external_id": external_id,
        "occurred_at": "2026-11-17T09:30:00+08:00",
        "text": text,
        "place": extra.pop("place", "白河镇白河村"),
        "people": people
        if people is not None
        else [{"name": "王五", "phone": "13900001111", "id_number": "11010519491231002X", "role": "当事人"}],
        **extra,
    }
