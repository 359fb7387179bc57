"""Demo library for `manage.py seed_demo`: files (one with two versions), links, and documented
practices, some of them born from the demo discussions. Built through the services; a
community whose library already has the demo titles is left alone."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from communities.models import Community
from communities.origins import resolve_origin

from .models import Resource
from .services import resource_create, resource_set_featured, version_add

PRACTICE_TEMPLATE = (
    "## Context\n\n{context}\n\n## What worked\n\n{worked}\n\n## Lessons\n\n{lessons}\n\n## Sources\n\n{sources}\n"
)


@dataclass
class DemoResource:
    community: str
    author: str
    kind: str
    title: str
    summary: str
    tags: tuple[str, ...] = ()
    language: str = "en"
    url: str = ""
    file_name: str = ""
    file_text: str = ""
    new_version_note: str = ""
    practice: dict = field(default_factory=dict)
    from_thread: str = ""
    featured: bool = False


RESOURCES = [
    DemoResource(
        "water-security",
        "kwame",
        "file",
        "Borehole monitoring logbook template",
        "A printable logbook for monthly dips and logger downloads, with a drawdown chart page.",
        tags=("groundwater", "monitoring"),
        file_name="borehole-logbook.pdf",
        file_text="Borehole monitoring logbook - template",
        new_version_note="Added a page for logger downloads",
        featured=True,
    ),
    DemoResource(
        "water-security",
        "dewi-lestari",
        "file",
        "NRW measures: litres saved per dollar",
        "The comparison table discussed in the non-revenue water thread, for 9 measures in 3 utilities.",
        tags=("nrw", "utilities"),
        file_name="nrw-litres-per-dollar.csv",
        file_text="measure,utility,litres_saved_per_usd\npressure management,Surabaya,410\n"
        "meter replacement,Surabaya,120\nactive leak detection,Kisumu,260\n",
    ),
    DemoResource(
        "water-security",
        "amina",
        "link",
        "WHO Guidelines for drinking-water quality",
        "The reference for water quality targets; chapter 4 covers water safety plans.",
        tags=("water-quality",),
        url="https://www.who.int/publications/i/item/9789240045064",
    ),
    DemoResource(
        "water-security",
        "jorge-quispe",
        "practice",
        "Monitoring small-town boreholes with a few loggers",
        "Put loggers on the boreholes with the largest seasonal swing and dip the rest monthly.",
        tags=("groundwater", "monitoring"),
        from_thread="How often should small towns sample borehole water levels?",
        practice={
            "context": "Small towns with 20-50 boreholes and a monitoring budget that does not stretch to "
            "loggers everywhere.",
            "worked": "- Two years of monthly dips to find the boreholes with a dry-season drop over 2 m.\n"
            "- Loggers at 15-minute intervals on those, at least one per town.\n"
            "- Monthly electrical conductivity readings in coastal wells.",
            "lessons": "Monthly readings alone hide the daily pumping cycle; loggers paid for themselves in one "
            "dry season.",
            "sources": "The discussion this came from, and the Andes monitoring network's field notes.",
        },
        featured=True,
    ),
    DemoResource(
        "water-security",
        "dewi-lestari",
        "practice",
        "Cutting non-revenue water with pressure management",
        "District metered areas and night pressure reduction took NRW from 41% to 29% in three years.",
        tags=("nrw", "utilities"),
        from_thread="Non-revenue water: what actually worked in your utility?",
        practice={
            "context": "A utility of 1.2 million people with 41% non-revenue water and an old network.",
            "worked": "Thirty district metered areas, pressure-reducing valves at night, and a litres-per-dollar "
            "table to argue for the budget.",
            "lessons": "Legalising illegal connections at a subsidised fee cut commercial losses faster than meters.",
            "sources": "The utility's annual reports 2019-2022.",
        },
    ),
    DemoResource(
        "urban-resilience",
        "sanne-de-vries",
        "practice",
        "Roof anchoring inspections before final payment",
        "Make the last payment to contractors depend on an inspection of roof anchoring.",
        tags=("recovery", "cyclones"),
        from_thread="Build back better after cyclones: what would you do differently?",
        practice={
            "context": "School reconstruction after a cyclone, built by several contractors at once.",
            "worked": "A checklist of anchoring points, photographed by the inspector, tied to the final payment.",
            "lessons": "Standards on paper change nothing unless payment depends on them.",
            "sources": "Post-Idai reconstruction reviews.",
        },
    ),
    DemoResource(
        "urban-resilience",
        "lucia-fernandez",
        "link",
        "Heat action plan guidance",
        "A practical guide to writing and running a city heat action plan.",
        tags=("heat", "governance"),
        url="https://www.who.int/europe/publications/i/item/9789289071918",
    ),
    DemoResource(
        "public-financial-management",
        "daniel-okafor",
        "practice",
        "Phasing in IFMIS commitment controls",
        "Start with the two ministries with the cleanest procurement plans and publish weekly arrears.",
        tags=("ifmis", "budget-execution"),
        from_thread="Commitment controls in an IFMIS: lessons?",
        practice={
            "context": "A treasury switching on commitment controls across 24 ministries.",
            "worked": "Phasing by ministry, a weekly arrears dashboard, and an emergency override reviewed afterwards.",
            "lessons": "Without an override, people find ways around the system.",
            "sources": "Treasury implementation notes.",
        },
    ),
    DemoResource(
        "digital-health",
        "peter-mugisha",
        "file",
        "DHIS2 data quality checklist",
        "The automated checks that caught real problems in monthly facility reports.",
        tags=("dhis2", "data-quality"),
        file_name="dhis2-dq-checklist.txt",
        file_text="1. Outliers against the previous 12 months\n2. Completeness by facility\n"
        "3. Consistency ANC1 vs ANC4\n",
    ),
    DemoResource(
        "climate-adaptation-agriculture",
        "nguyen-thi-mai",
        "link",
        "Seed systems and farmer field schools",
        "A review of linking field schools with local seed supply.",
        tags=("seeds", "extension"),
        url="https://www.fao.org/farmer-field-schools/en/",
    ),
]


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (enough for the demo's downloads to open)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _file(spec: DemoResource, suffix: str = "") -> SimpleUploadedFile:
    if spec.file_name.endswith(".pdf"):
        return SimpleUploadedFile(spec.file_name, tiny_pdf(spec.file_text + suffix))
    return SimpleUploadedFile(spec.file_name, (spec.file_text + suffix).encode())


def seed_resources(*, find_thread_id=lambda community, title: None) -> int:
    """Create the demo library entries that are missing; returns how many were added.
    `find_thread_id(community, title)` finds the demo thread a practice was documented from
    (the caller knows discussions; this app may not import it)."""
    users = {user.username: user for user in get_user_model().objects.all()}
    added = 0
    for spec in RESOURCES:
        community = Community.objects.filter(slug=spec.community).first()
        author = users.get(spec.author)
        if (
            community is None
            or author is None
            or Resource.objects.filter(community=community, title=spec.title).exists()
        ):
            continue
        _seed(spec, community, author, find_thread_id)
        added += 1
    return added


def _seed(spec: DemoResource, community, author, find_thread_id) -> None:
    fields = {"summary": spec.summary, "language": spec.language}
    origin = None
    if spec.kind == "link":
        fields["url"] = spec.url
    if spec.kind == "practice":
        fields["body"] = PRACTICE_TEMPLATE.format(**spec.practice)
        thread_id = find_thread_id(community, spec.from_thread) if spec.from_thread else None
        origin = resolve_origin("thread", thread_id, author) if thread_id else None
    resource = resource_create(
        actor=author,
        community=community,
        kind=spec.kind,
        title=spec.title,
        tags=spec.tags,
        upload=_file(spec) if spec.kind == "file" else None,
        origin=origin,
        **fields,
    )
    if spec.new_version_note:
        version_add(actor=author, resource=resource, upload=_file(spec, " (v2)"), note=spec.new_version_note)
    if spec.featured:
        coordinator = community.memberships.coordinators().select_related("user").first()
        resource_set_featured(actor=coordinator.user, resource=resource, featured=True)
