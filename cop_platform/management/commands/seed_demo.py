"""`manage.py seed_demo`: a realistic demo of communities of practice, built through the services.

Six communities of development practitioners with their charters, thirty-odd members with
real-looking profiles, coordinators, join requests waiting for a decision and open invitations.
Everything, discussions included, goes through the same services the pages use (`community_create`,
`membership_join`, `membership_approve`, `membership_set_role`, `invitation_create`, ...), so
the demo obeys the product's rules: member counts, audit entries and states are what a real
community would have.

New communities also get months of history (HISTORY: founded long ago, members joining
over time, background conversations and library items, lifecycle stage changes), then their
daily health snapshots are backfilled, so each health page tells its story; `--no-history`
skips that for a quicker seed.

Idempotent: accounts are looked up by email and communities by slug; what exists is left as it
is, so `make run` can call it every time. The random choices use a fixed seed, so every fresh
database gets the same demo. Demo email addresses are @example.org and the notices the
services queue are dropped (not printed): nobody is there to read them.
"""

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from communities.demo import age_community
from communities.models import Community, Invitation, JoinPolicy, Membership, MembershipState, Role
from communities.services import (
    community_create,
    invitation_accept,
    invitation_create,
    membership_approve,
    membership_join,
    membership_of,
    membership_set_role,
)
from communities.value.demo import seed_value_history
from discussions.demo import seed_discussions
from discussions.demo_history import Story, seed_history
from discussions.models import Thread
from events.demo import seed_events
from members.services import profile_update
from resources.demo import seed_resources
from resources.demo_history import seed_library_history
from resources.models import Resource

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed for everyone on purpose
RANDOM_SEED = 20240611
COORDINATOR_EMAIL = "coordinator@example.org"
MEMBER_EMAIL = "member@example.org"
ADMIN_EMAIL = "admin@example.org"
DROP_EMAIL = "django.core.mail.backends.dummy.EmailBackend"

TIME_ZONES = {
    "KE": "Africa/Nairobi", "GH": "Africa/Accra", "CO": "America/Bogota", "PK": "Asia/Karachi",
    "NG": "Africa/Lagos", "IN": "Asia/Kolkata", "ET": "Africa/Addis_Ababa", "FR": "Europe/Paris",
    "BR": "America/Sao_Paulo", "BD": "Asia/Dhaka", "PH": "Asia/Manila", "MX": "America/Mexico_City",
    "SN": "Africa/Dakar", "UG": "Africa/Kampala", "ID": "Asia/Jakarta", "VN": "Asia/Ho_Chi_Minh",
    "PE": "America/Lima", "JO": "Asia/Amman", "ZA": "Africa/Johannesburg", "NP": "Asia/Kathmandu",
    "MA": "Africa/Casablanca", "TZ": "Africa/Dar_es_Salaam", "GB": "Europe/London",
    "DE": "Europe/Berlin", "NL": "Europe/Amsterdam", "RW": "Africa/Kigali", "MZ": "Africa/Maputo",
    "LK": "Asia/Colombo", "EG": "Africa/Cairo", "CA": "America/Toronto", "US": "America/New_York",
    "HT": "America/Port-au-Prince", "LB": "Asia/Beirut", "TR": "Europe/Istanbul",
}  # fmt: skip


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    headline: str
    discipline: str
    organisation: str
    country: str
    languages: str
    expertise: Sequence[str]
    bio: str
    public: bool = False
    email: str = ""

    @property
    def address(self) -> str:
        return self.email or f"{self.username}@example.org"


@dataclass(frozen=True)
class CommunitySpec:
    slug: str
    name: str
    tagline: str
    domain: str
    audience: str
    mandate: str
    norms: str
    tags: tuple[str, ...]
    stage: str
    visibility: str
    join_policy: str
    critical_mass: int
    founder: str
    co_coordinators: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    extra_members: int = 0  # drawn at random (fixed seed) from people not named above
    pending: tuple[tuple[str, str], ...] = ()  # (username, request message)
    invitations: tuple[tuple[str, str], ...] = ()  # (email, message), left open


# One row per person: username, name, headline, discipline, organisation, country, languages,
# expertise tags, bio (Markdown), then whether the profile is public and a fixed email.
# fmt: off
PEOPLE = [
    Person("amina", "Amina Diallo", "WASH programme lead, West Africa", "Water and sanitation engineering",
      "Sahel Water Partnership", "SN", "French, English, Wolof",
      ["rural water supply", "sanitation", "community-led total sanitation", "facilitation"],
      "Fifteen years designing and running **rural water** programmes across the Sahel.\n\n"
      "I coordinate the Water Security community and co-coordinate Urban Resilience. "
      "Ask me about handpump maintenance models and working with local water committees.",
      public=True, email=COORDINATOR_EMAIL),
    Person("kwame", "Kwame Mensah", "Hydrologist, groundwater monitoring", "Hydrology",
      "Ghana Water Resources Commission", "GH", "English, Twi",
      ["groundwater", "hydrological modelling", "drought monitoring"],
      "I look after a network of 120 monitoring boreholes in northern Ghana and build simple "
      "dashboards so district officers can read them.", email=MEMBER_EMAIL),
    Person("joseph-ouma", "Joseph Ouma", "Water utility performance advisor", "Utility management",
      "Lake Basin Water Services", "KE", "English, Swahili",
      ["non-revenue water", "utility benchmarking", "tariffs"],
      "Helping small utilities cut **non-revenue water** and set tariffs people can pay.", public=True),
    Person("lucia-fernandez", "Lucía Fernández", "Urban resilience officer", "Urban planning",
      "Medellín Metropolitan Area", "CO", "Spanish, English",
      ["urban resilience", "informal settlements", "landslide risk", "participatory planning"],
      "I work on hillside neighbourhoods where landslide risk and informality meet. "
      "Founder of the Urban Resilience community.", public=True),
    Person("farah-siddiqui", "Farah Siddiqui", "Public financial management specialist", "Public finance",
      "Ministry of Finance, Budget Wing", "PK", "Urdu, English",
      ["budget reform", "medium-term expenditure frameworks", "fiscal transparency"],
      "Budget reform practitioner: programme budgeting, MTEFs and making budget documents readable."),
    Person("daniel-okafor", "Daniel Okafor", "Treasury systems advisor", "Public finance",
      "Federal Treasury Reform Unit", "NG", "English, Igbo",
      ["treasury single account", "IFMIS", "cash management"],
      "I have implemented treasury single accounts in two countries and lived to tell the tale.", public=True),
    Person("priya-raman", "Priya Raman", "Agronomist, climate-smart agriculture", "Agronomy",
      "Deccan Farmers Collective", "IN", "Tamil, English, Hindi",
      ["climate-smart agriculture", "drought-tolerant varieties", "farmer field schools"],
      "Working with smallholder cooperatives on crop choices that survive a failed monsoon.", public=True),
    Person("grace-wanjiru", "Grace Wanjiru", "Digital health programme manager", "Public health",
      "County Health Department, Kiambu", "KE", "English, Swahili, Kikuyu",
      ["community health information systems", "DHIS2", "mHealth"],
      "I run the digital side of a community health programme: 2,000 health promoters, one "
      "reporting app, many lessons."),
    Person("samuel-haile", "Samuel Haile", "Humanitarian supply chain coordinator", "Logistics",
      "Horn of Africa Relief Consortium", "ET", "Amharic, English",
      ["pre-positioning", "last-mile delivery", "warehouse management"],
      "Twelve years of humanitarian logistics: drought response, refugee camps, cold chain."),
    Person("ines-moreau", "Inès Moreau", "Logistics cluster information manager", "Logistics",
      "Independent consultant", "FR", "French, English, Arabic",
      ["logistics cluster", "information management", "customs clearance"],
      "Information management for logistics coordination in sudden-onset emergencies."),
    Person("rafael-souza", "Rafael Souza", "Municipal climate adaptation planner", "Urban planning",
      "Recife City Hall", "BR", "Portuguese, Spanish, English",
      ["flood risk", "nature-based solutions", "adaptation planning"],
      "Mangroves, canals and stormwater: adaptation planning in a city below high tide.", public=True),
    Person("nusrat-jahan", "Nusrat Jahan", "Climate finance analyst", "Economics",
      "Coastal Resilience Trust", "BD", "Bengali, English",
      ["climate finance", "loss and damage", "cost-benefit analysis"],
      "I track adaptation finance that reaches the coast, and the share that does not."),
    Person("miguel-santos", "Miguel Santos", "Disaster risk reduction officer", "Disaster risk management",
      "Provincial DRRM Office, Albay", "PH", "Filipino, English",
      ["early warning systems", "evacuation planning", "typhoon preparedness"],
      "Typhoon season is my calendar. Interested in early warnings that reach the last household."),
    Person("carmen-lopez", "Carmen López", "Water governance researcher", "Political science",
      "Instituto de Estudios del Agua", "MX", "Spanish, English",
      ["water governance", "aquifer management", "water rights"],
      "Researching who decides about aquifers, and how communities get a seat at that table.", public=True),
    Person("aissatou-ba", "Aïssatou Ba", "Sanitation marketing specialist", "Behaviour change communication",
      "Dakar Sanitation Hub", "SN", "French, Wolof, English",
      ["sanitation marketing", "behaviour change", "faecal sludge management"],
      "Selling toilets is harder than building them: I work on the demand side."),
    Person("peter-mugisha", "Peter Mugisha", "District health information officer", "Epidemiology",
      "Ministry of Health", "UG", "English, Luganda",
      ["health information systems", "disease surveillance", "data quality"],
      "District-level surveillance and data quality audits; DHIS2 since 2012."),
    Person("dewi-lestari", "Dewi Lestari", "Urban water supply engineer", "Civil engineering",
      "PDAM Kota Semarang", "ID", "Indonesian, English",
      ["network design", "subsidence", "leak detection"],
      "Semarang is sinking; our pipes notice first. Leak detection and network zoning."),
    Person("nguyen-thi-mai", "Nguyễn Thị Mai", "Agricultural extension officer", "Agricultural extension",
      "Mekong Delta Extension Centre", "VN", "Vietnamese, English",
      ["salinity intrusion", "rice-shrimp systems", "extension methods"],
      "Helping delta farmers adapt to salt water: rice-shrimp rotations and better forecasts.", public=True),
    Person("jorge-quispe", "Jorge Quispe", "Glacier and water resources specialist", "Hydrology",
      "Andean Watershed Institute", "PE", "Spanish, Quechua, English",
      ["glacier retreat", "watershed management", "payment for ecosystem services"],
      "Working with highland communities on water storage as the glaciers retreat."),
    Person("layla-haddad", "Layla Haddad", "Refugee response WASH coordinator", "Water and sanitation engineering",
      "Humanitarian WASH Partnership", "JO", "Arabic, English",
      ["emergency WASH", "water trucking", "camp management"],
      "Water trucking to pipes: moving camp water supply from emergency to sustainable services."),
    Person("thabo-nkosi", "Thabo Nkosi", "Municipal finance advisor", "Public finance",
      "Cities Finance Support Programme", "ZA", "English, isiZulu, Afrikaans",
      ["municipal finance", "own-source revenue", "property tax"],
      "Own-source revenue for secondary cities: property valuation rolls and billing that works.", public=True),
    Person("sita-gurung", "Sita Gurung", "Community health programme officer", "Public health",
      "Himalayan Health Alliance", "NP", "Nepali, English",
      ["maternal health", "community health workers", "telemedicine"],
      "Mountain districts, long walks, and how a phone call can replace some of them."),
    Person("youssef-benali", "Youssef Benali", "Irrigation efficiency engineer", "Agricultural engineering",
      "Regional Office for Agricultural Development, Souss-Massa", "MA", "Arabic, French, English",
      ["drip irrigation", "water accounting", "groundwater"],
      "Drip irrigation saves water only if the water accounting says so. I do the accounting."),
    Person("halima-juma", "Halima Juma", "Procurement and supply officer", "Procurement",
      "Regional Medical Stores", "TZ", "Swahili, English",
      ["medical supply chain", "procurement", "stock management"],
      "Keeping essential medicines on the shelves of 300 health facilities."),
    Person("oliver-grant", "Oliver Grant", "Public financial management advisor", "Public finance",
      "Independent adviser", "GB", "English, French",
      ["PEFA assessments", "public investment management", "audit"],
      "PEFA assessor and public investment management adviser; formerly a national audit office.", public=True),
    Person("anna-weber", "Anna Weber", "Resilience and anticipatory action advisor", "Disaster risk management",
      "Anticipation Hub Network", "DE", "German, English, Spanish",
      ["anticipatory action", "forecast-based financing", "cash transfers"],
      "Acting before the flood peaks: triggers, pre-agreed finance and cash in people's hands."),
    Person("sanne-de-vries", "Sanne de Vries", "Delta planning specialist", "Civil engineering",
      "Delta Cooperation Programme", "NL", "Dutch, English",
      ["delta planning", "coastal protection", "adaptive pathways"],
      "Adaptive delta planning: decisions now that keep options open for 2100."),
    Person("jean-paul-habimana", "Jean-Paul Habimana", "Digital health architect", "Information systems",
      "Rwanda Biomedical Centre", "RW", "Kinyarwanda, French, English",
      ["interoperability", "health information exchange", "OpenHIE"],
      "Making the lab system, the pharmacy system and the patient record talk to each other.", public=True),
    Person("ana-machava", "Ana Machava", "Cyclone recovery programme manager", "Disaster risk management",
      "Beira Recovery Office", "MZ", "Portuguese, English",
      ["build back better", "resilient housing", "recovery planning"],
      "Cyclone Idai recovery and what we learned about building back better."),
    Person("kavinda-perera", "Kavinda Perera", "Fiscal decentralisation economist", "Economics",
      "Finance Commission", "LK", "Sinhala, Tamil, English",
      ["intergovernmental transfers", "fiscal decentralisation", "budget execution"],
      "Transfers to provinces and local councils: formulas, fairness and execution rates."),
    Person("mona-elsayed", "Mona Elsayed", "Water reuse specialist", "Environmental engineering",
      "Nile Water Research Centre", "EG", "Arabic, English",
      ["wastewater reuse", "water quality", "treatment plants"],
      "Treated wastewater for agriculture: standards, monitoring and farmer trust."),
    Person("emily-chen", "Emily Chen", "Monitoring, evaluation and learning lead", "Evaluation",
      "Global Resilience Fund", "CA", "English, Mandarin",
      ["MEL", "knowledge management", "outcome harvesting"],
      "Turning programme evidence into something the next team actually reads.", public=True),
    Person("marcus-johnson", "Marcus Johnson", "Emergency logistics trainer", "Logistics",
      "Relief Logistics Academy", "US", "English, Spanish",
      ["fleet management", "logistics training", "warehouse management"],
      "Training the people who run fleets and warehouses in the first 72 hours."),
    Person("roseline-pierre", "Roseline Pierre", "Community health worker supervisor", "Nursing",
      "Partners in Community Health", "HT", "Haitian Creole, French, English",
      ["community health workers", "cholera response", "supervision"],
      "Supervising community health workers and the tools they use every day."),
    Person("karim-khoury", "Karim Khoury", "Public investment analyst", "Economics",
      "Council for Development and Reconstruction", "LB", "Arabic, French, English",
      ["public investment management", "project appraisal", "PPP"],
      "Project appraisal and selection when there is money for one in five proposals."),
    Person("elif-yilmaz", "Elif Yılmaz", "Cash and voucher assistance officer", "Social protection",
      "Türkiye Cash Working Group", "TR", "Turkish, English, Arabic",
      ["cash transfers", "market assessment", "vendor management"],
      "Cash and voucher programmes and the supply chains behind them."),
]
# fmt: on

WATER_NORMS = """\
1. **Share what failed** as readily as what worked: failure stories are our most read threads.
2. Say where and at what scale: a practice from a town of 5,000 may not hold in a city.
3. No procurement or sales pitches; link to tender notices in the *Opportunities* thread only.
4. Reply within a week to questions tagged with your expertise, even to say "I don't know".
"""

COMMUNITIES = [
    CommunitySpec(
        slug="water-security",
        name="Water Security & WASH",
        tagline="Practitioners keeping water flowing and sanitation safe, from handpumps to utilities",
        domain="Rural and urban water supply, sanitation and hygiene (WASH), and the water resources "
        "that sustain them under growing climate stress.",
        audience="Engineers, utility managers, hydrologists, sanitation and hygiene promoters, and "
        "programme managers working on WASH in low- and middle-income countries.",
        mandate="We exist to make WASH services **last**. Together we:\n\n"
        "- document maintenance and financing models that keep water points working;\n"
        "- compare notes on utility performance (non-revenue water, tariffs, service levels);\n"
        "- build a shared library of design standards and field-tested tools.\n\n"
        "Our current focus: a *good practice note* on groundwater monitoring for small towns.",
        norms=WATER_NORMS,
        tags=("water", "sanitation", "WASH", "utilities", "groundwater"),
        stage="disseminate",
        visibility="public",
        join_policy=JoinPolicy.OPEN,
        critical_mass=12,
        founder="amina",
        co_coordinators=("joseph-ouma",),
        members=(
            "kwame",
            "carmen-lopez",
            "aissatou-ba",
            "dewi-lestari",
            "layla-haddad",
            "mona-elsayed",
            "jorge-quispe",
        ),
        extra_members=6,
    ),
    CommunitySpec(
        slug="urban-resilience",
        name="Urban Resilience",
        tagline="Cities preparing for floods, heat, landslides and the shocks nobody planned for",
        domain="Reducing disaster and climate risk in cities, especially in informal settlements: "
        "risk assessment, land use, early warning and resilient infrastructure.",
        audience="Urban planners, city resilience officers, disaster risk managers and community "
        "organisers in secondary and large cities.",
        mandate="Connect the people who plan cities with the people who respond when they flood. "
        "We are **designing** a peer-review process for city resilience strategies and collecting "
        "cases of community-led risk mapping.",
        norms="- Be concrete: name the city, the hazard and the budget.\n"
        "- Credit communities whose knowledge you share.\n"
        "- Requests to join: tell us which city you work in and on what.",
        tags=("cities", "disaster risk", "informal settlements", "climate risk"),
        stage="design",
        visibility="public",
        join_policy=JoinPolicy.APPROVAL,
        critical_mass=7,
        founder="lucia-fernandez",
        co_coordinators=("amina",),
        members=("rafael-souza", "miguel-santos", "dewi-lestari", "ana-machava", "sanne-de-vries"),
        extra_members=3,
        pending=(
            (
                "kwame",
                "I monitor groundwater for three fast-growing towns in northern Ghana and want to "
                "learn how cities plan for flash floods.",
            ),
            (
                "emily-chen",
                "I lead MEL for a resilience fund and would like to share our evaluation of "
                "urban early-warning pilots.",
            ),
            ("anna-weber", "Anticipatory action is moving into cities; keen to compare triggers for urban floods."),
        ),
    ),
    CommunitySpec(
        slug="public-financial-management",
        name="Public Financial Management",
        tagline="Budget, treasury and audit reformers comparing what actually changed",
        domain="Public financial management reform: budgeting, treasury and cash management, "
        "public investment, fiscal decentralisation and external audit.",
        audience="Ministry of finance officials, budget and treasury staff, auditors and PFM advisers.",
        mandate="A candid space for PFM reformers. Content stays among members so officials can "
        "discuss reforms that are still under way.\n\n"
        "We are **documenting** sequencing lessons: what to reform first, and what to leave alone.",
        norms="1. What is said here stays here: do not quote members outside without asking.\n"
        "2. No country rankings or naming and shaming.\n"
        "3. Share documents only if they are public or you are allowed to.",
        tags=("public finance", "budget", "treasury", "audit"),
        stage="document",
        visibility="private",
        join_policy=JoinPolicy.APPROVAL,
        critical_mass=5,
        founder="farah-siddiqui",
        co_coordinators=("daniel-okafor",),
        members=("thabo-nkosi", "oliver-grant", "kavinda-perera", "karim-khoury", "nusrat-jahan"),
        pending=(
            (
                "emily-chen",
                "Our fund is setting up budget-support style grants; I'd like to learn from PFM practitioners.",
            ),
            ("elif-yilmaz", "Working on linking cash assistance to national social protection budgets."),
        ),
    ),
    CommunitySpec(
        slug="climate-adaptation-agriculture",
        name="Climate Adaptation in Agriculture",
        tagline="Farmers' advisers sharing what helps crops, herds and incomes survive a changing climate",
        domain="Adapting smallholder agriculture to climate change: crop and variety choice, water "
        "management, salinity, climate information services and extension.",
        audience="Agronomists, extension officers, irrigation engineers and farmer organisations.",
        mandate="We are still **dreaming**: gathering what members need most. First ideas: a map of "
        "field trials of drought- and salt-tolerant varieties, and a seasonal forecast explainer "
        "extension officers can use with farmers.",
        norms="- Plain language: extension officers from many countries read this.\n"
        "- Say which agro-ecological zone your experience comes from.",
        tags=("agriculture", "climate adaptation", "extension", "irrigation"),
        stage="dream",
        visibility="public",
        join_policy=JoinPolicy.OPEN,
        critical_mass=7,
        founder="priya-raman",
        members=("amina", "kwame", "nguyen-thi-mai", "youssef-benali", "jorge-quispe", "nusrat-jahan"),
        extra_members=4,
    ),
    CommunitySpec(
        slug="digital-health",
        name="Digital Health",
        tagline="Health information systems that serve the health worker first",
        domain="Digital tools in primary and community health: health information systems, mHealth "
        "for community health workers, interoperability and data use.",
        audience="Health programme managers, health information officers, community health "
        "supervisors and digital health architects.",
        mandate="Just getting started (**discover** stage): we are mapping who is here, which systems "
        "members run and which questions keep coming back.",
        norms="- Never post personal health data, even anonymised screenshots.\n"
        "- Vendor-neutral: compare tools, don't sell them.",
        tags=("health", "digital", "DHIS2", "community health"),
        stage="discover",
        visibility="public",
        join_policy=JoinPolicy.OPEN,
        critical_mass=10,
        founder="grace-wanjiru",
        co_coordinators=("jean-paul-habimana",),
        members=("kwame", "peter-mugisha", "sita-gurung", "roseline-pierre", "halima-juma"),
        extra_members=2,
    ),
    CommunitySpec(
        slug="humanitarian-logistics",
        name="Humanitarian Logistics Cell",
        tagline="Supply chain leads coordinating preparedness between emergencies",
        domain="Humanitarian supply chains: pre-positioning, warehousing, fleet, customs and "
        "last-mile delivery in emergencies.",
        audience="Logistics coordinators and supply chain leads of operational agencies, by invitation.",
        mandate="A small, trusted group that shares contingency stock levels and access constraints "
        "between emergencies, and **disseminates** its joint preparedness checklists.",
        norms="- Operational details (locations, stock levels) never leave this community.\n"
        "- Members are invited by the coordinators; suggest colleagues to them.",
        tags=("logistics", "supply chain", "emergencies", "preparedness"),
        stage="disseminate",
        visibility="hidden",
        join_policy=JoinPolicy.INVITATION,
        critical_mass=4,
        founder="samuel-haile",
        co_coordinators=("ines-moreau",),
        members=("marcus-johnson", "halima-juma", "layla-haddad", "elif-yilmaz"),
        invitations=(
            (MEMBER_EMAIL, "Kwame, your groundwater data would help our drought pre-positioning. Join us?"),
            ("logistics.lead@example.org", "Welcome to the cell: we share preparedness plans here."),
        ),
    ),
]


@dataclass(frozen=True)
class History:
    """A demo community's past, for its health page: founded `age_days` ago, members joining
    `growth` ("early", "steady", "late"), the conversation's `story`, links shared per month and
    how many answered questions were documented as practices."""

    age_days: int
    growth: str
    story: Story
    links_per_month: float = 1
    practices: int = 0


HISTORY = {
    # Mature and lively: quick answers, practices documented.
    "water-security": History(300, "early", Story((2, 3, 3, 3, 3.5, 3), reply_hours=6, replies_per_thread=3), 2, 3),
    # Growing fast lately: it crossed its critical mass a few weeks ago.
    "urban-resilience": History(200, "late", Story((0.5, 1, 1.5, 2.5, 3, 4), reply_hours=20, replies_per_thread=2.5)),
    # Steady, private, documenting its practice.
    "public-financial-management": History(
        240, "steady", Story((2, 2, 2.5, 2, 2.5, 2), reply_hours=12, replies_per_thread=2.5), 1, 3
    ),
    # Going quiet: fewer threads, slow replies, below its critical mass again; time to act.
    "climate-adaptation-agriculture": History(
        220, "early", Story((3.5, 3, 2.5, 1.5, 1, 0.5), reply_hours=70, replies_per_thread=1.2, question_share=0.6)
    ),
    # Just started: not at its critical mass yet.
    "digital-health": History(45, "steady", Story((2, 3), reply_hours=10, replies_per_thread=2), 0.5),
    # Small and steady.
    "humanitarian-logistics": History(260, "steady", Story((1, 1, 1, 1), reply_hours=8, replies_per_thread=2), 0.5, 1),
}
HEALTH_BACKFILL_DAYS = 7 * 26  # the 26 weeks the health charts show


def _demo_thread_id(community, title):
    return Thread.objects.filter(community=community, title=title).values_list("pk", flat=True).first()


class Command(BaseCommand):
    help = "Create the demo communities and members (safe to run again: only what is missing is added)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Skip the months of back-dated activity and the health backfill (a faster seed, for tests).",
        )

    def handle(self, *args, no_history=False, **options):
        rng = random.Random(RANDOM_SEED)
        # The services queue notices to the demo addresses; nobody reads them, so drop them
        # rather than print dozens of emails (and a log line per eager task) on the console.
        trace_log = logging.getLogger("celery.app.trace")
        trace_level = trace_log.level
        trace_log.setLevel(logging.WARNING)
        try:
            # Rate limits protect communities from floods of posts; the demo is one such flood.
            unlimited = {"posts_per_minute": 0, "new_member_threads_per_hour": 0}
            with (
                override_settings(EMAIL_BACKEND=DROP_EMAIL, DISCUSSION_RATE_LIMITS=unlimited),
                transaction.atomic(),
            ):
                users, new_users = self._people()
                created = [spec for spec in COMMUNITIES if self._community(spec, users, rng)]
                threads = seed_discussions()
                resources = seed_resources(find_thread_id=_demo_thread_id)
                events = seed_events()  # events-life: past meetings with attendance, and a weekly series
                if not no_history:
                    for spec in created:
                        self._history(spec, users, rng)
                if created and not no_history:  # the health pages read daily snapshots: compute the past ones
                    call_command("backfill_health", days=HEALTH_BACKFILL_DAYS, quiet=True, stdout=self.stdout)
        finally:
            trace_log.setLevel(trace_level)
        self._report(new_users, created)
        self.stdout.write(f"Discussions: {threads} demo threads added, {Thread.objects.count()} in all.")
        self.stdout.write(f"Library: {resources} demo resources added, {Resource.objects.count()} in all.")
        self.stdout.write(f"Events: {events} demo events added.")

    # --- members ------------------------------------------------------------------------------

    def _people(self):
        User = get_user_model()  # noqa: N806
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
        users, new_users = {}, 0
        for person in PEOPLE:
            user = User.objects.filter(email__iexact=person.address).first()
            if user is None:
                user = self._new_user(username=person.username, email=person.address, password=password)
                profile_update(
                    actor=user,
                    user=user,
                    expertise=list(person.expertise),
                    display_name=person.name,
                    headline=person.headline,
                    bio=person.bio,
                    organisation=person.organisation,
                    discipline=person.discipline,
                    country=person.country,
                    languages=person.languages,
                    time_zone=TIME_ZONES.get(person.country, "UTC"),
                    profile_visibility="public" if person.public else "members",
                )
                new_users += 1
            users[person.username] = user
        if not User.objects.filter(email__iexact=ADMIN_EMAIL).exists():
            admin = self._new_user(
                username="platform-admin", email=ADMIN_EMAIL, password=password, is_staff=True, is_superuser=True
            )
            profile_update(actor=admin, user=admin, display_name="Platform Admin", headline="Runs this platform")
            new_users += 1
        return users, new_users

    def _new_user(self, *, username, email, password, **flags):
        """An account as allauth would leave it after sign-up and email confirmation."""
        User = get_user_model()  # noqa: N806
        base, suffix = username, 2
        while User.objects.filter(username=username).exists():  # a real account took the name
            username, suffix = f"{base}{suffix}", suffix + 1
        user = User.objects.create(username=username, email=email, password=password, **flags)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    # --- communities --------------------------------------------------------------------------

    def _community(self, spec: CommunitySpec, users: dict, rng: random.Random) -> bool:
        """Create one community with its members, unless its slug exists (then leave it be)."""
        if Community.objects.filter(slug=spec.slug).exists():
            return False
        founder = users[spec.founder]
        community = community_create(
            actor=founder,
            name=spec.name,
            slug=spec.slug,
            tags=spec.tags,
            tagline=spec.tagline,
            domain=spec.domain,
            audience=spec.audience,
            mandate=spec.mandate,
            norms=spec.norms,
            stage=spec.stage,
            visibility=spec.visibility,
            join_policy=spec.join_policy,
            critical_mass=spec.critical_mass,
        )
        named = {spec.founder, *spec.co_coordinators, *spec.members, *(username for username, _ in spec.pending)}
        pool = [person.username for person in PEOPLE if person.username not in named and person.address != MEMBER_EMAIL]
        extras = rng.sample(pool, spec.extra_members)
        for username in (*spec.co_coordinators, *spec.members, *extras):
            self._add_member(community, founder, users[username])
        for username in spec.co_coordinators:
            membership = membership_of(users[username], community)
            membership_set_role(actor=founder, membership=membership, role=Role.COORDINATOR)
        for username, message in spec.pending:
            membership_join(actor=users[username], community=community, message=message)
        for email, message in spec.invitations:
            invitation_create(actor=founder, community=community, email=email, message=message)
        return True

    def _add_member(self, community: Community, founder, user) -> None:
        """Bring `user` in the way the community's join policy says a real member comes in."""
        if community.join_policy == JoinPolicy.INVITATION:
            invitation = invitation_create(actor=founder, community=community, email=user.email)
            invitation_accept(actor=user, token=invitation.token)
            return
        membership = membership_join(actor=user, community=community, message="Glad to be here.")
        if membership.state == MembershipState.PENDING:
            membership_approve(actor=founder, membership=membership)

    def _history(self, spec: CommunitySpec, users: dict, rng: random.Random) -> None:
        """Give a new demo community its months of past (see HISTORY)."""
        history = HISTORY.get(spec.slug)
        if history is None:
            return
        community = Community.objects.get(slug=spec.slug)
        age_community(community, founder=users[spec.founder], age_days=history.age_days, growth=history.growth, rng=rng)
        community.refresh_from_db()
        seed_history(community=community, story=history.story, rng=rng)
        answered = list(
            Thread.objects.filter(community=community, kind="question", accepted_post__isnull=False)
            .order_by("pk")
            .values_list("pk", "accepted_post__created_at")
        )
        seed_library_history(
            community=community,
            links_per_month=history.links_per_month,
            answered=rng.sample(answered, min(history.practices, len(answered))),
            rng=rng,
        )
        # A few quarters of the value survey and its stories, some told from a thread or a
        # practice that helped (communities/value/demo.py).
        answered_threads = Thread.objects.filter(community=community, kind="question", accepted_post__isnull=False)
        helped = [
            *answered_threads.order_by("pk")[:2],
            *Resource.objects.filter(community=community, kind="practice").order_by("pk")[:2],
        ]
        # Its own random draws: the shared ones shape the other communities' histories.
        value_rng = random.Random(f"{RANDOM_SEED}:value:{spec.slug}")
        seed_value_history(community=community, founder=users[spec.founder], sources=helped, rng=value_rng)

    # --- report -------------------------------------------------------------------------------

    def _report(self, new_users: int, created: list[CommunitySpec]) -> None:
        write, style = self.stdout.write, self.style
        if not new_users and not created:
            write("Demo data already present: nothing added.")
        else:
            write(style.SUCCESS(f"Demo data: {new_users} accounts and {len(created)} communities added."))
            for spec in created:
                community = Community.objects.get(slug=spec.slug)
                memberships = community.memberships
                write(
                    f"  {community.name} (/c/{community.slug}/): {community.visibility}, "
                    f"{community.get_join_policy_display().split(':')[0].lower()}, stage {community.stage}; "
                    f"{community.member_count} members, {memberships.coordinators().count()} coordinators, "
                    f"{memberships.pending().count()} join requests, "
                    f"{Invitation.objects.filter(community=community, accepted_at=None, revoked_at=None).count()}"
                    " open invitations"
                )
        write(
            f"Totals: {get_user_model().objects.count()} accounts, {Community.objects.count()} communities, "
            f"{Membership.objects.filter(state=MembershipState.ACTIVE).count()} active memberships."
        )
        write(f"Demo logins (password {DEMO_PASSWORD}):")
        write(f"  {COORDINATOR_EMAIL}  coordinator (Water Security & WASH, Urban Resilience)")
        write(f"  {MEMBER_EMAIL}       member, with a join request and an invitation waiting")
        write(f"  {ADMIN_EMAIL}        platform staff (/admin/)")
