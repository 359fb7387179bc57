"""World regions for the member directory's region filter: the UN M49 geographic regions and
sub-regions, as ISO 3166 country codes (the codes django-countries stores)."""

from django.utils.text import slugify

# continent -> sub-region -> country codes
REGIONS: dict[str, dict[str, str]] = {
    "Africa": {
        "Northern Africa": "DZ EG LY MA SD TN EH",
        "Eastern Africa": "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
        "Middle Africa": "AO CM CF TD CG CD GQ GA ST",
        "Southern Africa": "BW SZ LS NA ZA",
        "Western Africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    },
    "Americas": {
        "Caribbean": "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
        "Central America": "BZ CR SV GT HN MX NI PA",
        "South America": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
        "Northern America": "BM CA GL PM US",
    },
    "Asia": {
        "Central Asia": "KZ KG TJ TM UZ",
        "Eastern Asia": "CN HK MO KP JP MN KR TW",
        "South-eastern Asia": "BN KH ID LA MY MM PH SG TH TL VN",
        "Southern Asia": "AF BD BT IN IR MV NP PK LK",
        "Western Asia": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    },
    "Europe": {
        "Eastern Europe": "BY BG CZ HU PL MD RO RU SK UA",
        "Northern Europe": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
        "Southern Europe": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
        "Western Europe": "AT BE FR DE LI LU MC NL CH",
    },
    "Oceania": {
        "Australia and New Zealand": "AU CX CC HM NZ NF",
        "Melanesia": "FJ NC PG SB VU",
        "Micronesia": "GU KI MH FM NR MP PW UM",
        "Polynesia": "AS CK PF NU PN WS TK TO TV WF",
    },
}


def _build() -> dict[str, tuple[str, frozenset[str]]]:
    regions = {}
    for continent, subregions in REGIONS.items():
        every = frozenset(code for codes in subregions.values() for code in codes.split())
        regions[slugify(continent)] = (f"All of {continent}", every)
        for name, codes in subregions.items():
            regions[slugify(name)] = (name, frozenset(codes.split()))
    return regions


_BY_SLUG = _build()


def region_choices(present: set[str]) -> list:
    """Grouped choices (continent, then its sub-regions) for the regions where some of the
    `present` country codes lie."""
    groups = []
    for continent, subregions in REGIONS.items():
        options = [
            (slug, label)
            for slug, (label, codes) in _BY_SLUG.items()
            if codes & present and (slug == slugify(continent) or label in subregions)
        ]
        if options:
            groups.append((continent, options))
    return groups


def region_countries(slug: str) -> frozenset[str]:
    return _BY_SLUG[slug][1] if slug in _BY_SLUG else frozenset()
