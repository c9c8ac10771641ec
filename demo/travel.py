"""Demo cases that travelled between centers (上报、下派、移交) and whistles answered on time and late."""

KEY = "demo-travel"


def seed_travel(*, network, county_staff, stdout=None) -> dict[str, int]:
    return {}
