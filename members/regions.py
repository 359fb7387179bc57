"""World regions for the member directory's region filter: the UN M49 geographic regions and
sub-regions, as ISO 3166 country codes (the codes django-countries stores)."""

from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

# continent -> sub-region -> country codes. Names stay English here (slugs come from them);
# gettext_noop marks them for the catalogues and region_choices translates them for the page.
REGIONS: dict[str, dict[str, str]] = {
    gettext_noop("Africa"): {
        gettext_noop("Northern Africa"): "DZ EG LY MA SD TN EH",
        gettext_noop("Eastern Africa"): "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
        gettext_noop("Middle Africa"): "AO CM CF TD CG CD GQ GA ST",
        gettext_noop("Southern Africa"): "BW SZ LS NA ZA",
        gettext_noop("Western Africa"): "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    },
    gettext_noop("Americas"): {
        gettext_noop(
            "Caribbean"
        ): "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
        gettext_noop("Central America"): "BZ CR SV GT HN MX NI PA",
        gettext_noop("South America"): "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
        gettext_noop("Northern America"): "BM CA GL PM US",
    },
    gettext_noop("Asia"): {
        gettext_noop("Central Asia"): "KZ KG TJ TM UZ",
        gettext_noop("Eastern Asia"): "CN HK MO KP JP MN KR TW",
        gettext_noop("South-eastern Asia"): "BN KH ID LA MY MM PH SG TH TL VN",
        gettext_noop("Southern Asia"): "AF BD BT IN IR MV NP PK LK",
        gettext_noop("Western Asia"): "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    },
    gettext_noop("Europe"): {
        gettext_noop("Eastern Europe"): "BY BG CZ HU PL MD RO RU SK UA",
        gettext_noop("Northern Europe"): "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
        gettext_noop("Southern Europe"): "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
        gettext_noop("Western Europe"): "AT BE FR DE LI LU MC NL CH",
    },
    gettext_noop("Oceania"): {
        gettext_noop("Australia and New Zealand"): "AU CX CC HM NZ NF",
        gettext_noop("Melanesia"): "FJ NC PG SB VU",
        gettext_noop("Micronesia"): "GU KI MH FM NR MP PW UM",
        gettext_noop("Polynesia"): "AS CK PF NU PN WS TK TO TV WF",
    },
}


def _build() -> dict[str, tuple[str, frozenset[str]]]:
    regions = {}
    for continent, subregions in REGIONS.items():
        every = frozenset(code for codes in subregions.values() for code in codes.split())
        regions[slugify(continent)] = (continent, every)
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
            (
                slug,
                gettext("All of %(continent)s") % {"continent": gettext(continent)}
                if name == continent
                else gettext(name),
            )
            for slug, (name, codes) in _BY_SLUG.items()
            if codes & present and (slug == slugify(continent) or name in subregions)
        ]
        if options:
            groups.append((gettext(continent), options))
    return groups


def region_countries(slug: str) -> frozenset[str]:
    return _BY_SLUG[slug][1] if slug in _BY_SLUG else frozenset()
