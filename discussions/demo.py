"""Demo discussions for `manage.py seed_demo`: realistic threads built through the services.

Questions with accepted answers, an unanswered question, nested debates, @mentions,
reactions, a pinned welcome thread and a flagged post waiting in the coordinators' queue.
Each thread is written as a small outline: (author, body, replies) where replies nest.
Idempotent: a community that already has threads is left alone.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.models import Community

from .models import Post, Thread
from .services.moderating import flag_create, thread_moderate
from .services.posting import post_reply, thread_create
from .services.reacting import answer_accept, reaction_toggle


@dataclass
class Reply:
    author: str
    body: str
    replies: list["Reply"] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    accepted: bool = False
    flagged_by: str = ""


@dataclass
class DemoThread:
    community: str
    author: str
    title: str
    body: str
    kind: str = "discussion"
    tags: tuple[str, ...] = ()
    replies: list[Reply] = field(default_factory=list)
    pinned: bool = False
    days_ago: int = 3


THREADS = [
    DemoThread(
        "water-security",
        "amina",
        "Welcome! Introduce yourself and your work",
        "Welcome to **Water Security & WASH**. Tell us who you are, where you work and one problem "
        "you would like this community to help with. Please read the norms on the community page first.",
        tags=("community",),
        pinned=True,
        days_ago=60,
        replies=[
            Reply(
                "kwame",
                "Kwame, hydrologist in Accra. I run groundwater monitoring for small towns and would "
                "love to compare sampling designs.",
                reactions={"thanks": ["amina"]},
            ),
            Reply(
                "dewi-lestari",
                "Dewi from Surabaya: urban water supply, mostly pressure management and non-revenue water.",
                replies=[
                    Reply(
                        "joseph-ouma",
                        "Welcome Dewi! We have a thread on NRW coming; your pressure data would be gold there.",
                    ),
                ],
            ),
            Reply(
                "layla-haddad",
                "Layla, WASH coordinator in a refugee response in Jordan. Interested in water "
                "trucking exit strategies.",
            ),
        ],
    ),
    DemoThread(
        "water-security",
        "kwame",
        "How often should small towns sample borehole water levels?",
        "We monitor 40 boreholes across 12 small towns with manual dippers. Monthly readings miss the "
        "drawdown during peak demand, but weekly ones are expensive.\n\n"
        "- What frequency has worked for you?\n- Did data loggers pay off?\n\n"
        "Any experience from similar aquifers welcome, @jorge-quispe maybe?",
        kind="question",
        tags=("groundwater", "monitoring"),
        days_ago=21,
        replies=[
            Reply(
                "jorge-quispe",
                "In the Andes we moved to **loggers on 1 in 4 boreholes** (the ones with the "
                "biggest seasonal swing) and monthly dips on the rest. Loggers at 15-minute intervals showed "
                "the daily pumping cycle, which monthly readings never will.\n\nCost per logger was about "
                "USD 300 including the cable; they paid off in the first dry season.",
                accepted=True,
                reactions={"helpful": ["kwame", "amina", "dewi-lestari"], "agree": ["carmen-lopez"]},
                replies=[
                    Reply(
                        "kwame",
                        "Thanks Jorge. How did you choose which boreholes got the loggers?",
                        replies=[
                            Reply(
                                "jorge-quispe",
                                "Two years of manual data first: the ones whose dry-season drop "
                                "was more than 2 m. Then one per town at least.",
                            ),
                        ],
                    ),
                ],
            ),
            Reply(
                "mona-elsayed",
                "Don't forget water quality: when levels drop, we see salinity rise in coastal "
                "wells. We pair level loggers with a monthly EC reading.",
                reactions={"helpful": ["kwame"]},
            ),
        ],
    ),
    DemoThread(
        "water-security",
        "joseph-ouma",
        "Non-revenue water: what actually worked in your utility?",
        "Every NRW strategy document lists the same ten measures. I'd like to hear what **really moved the "
        "number** in your utility, and what was a waste of money.",
        tags=("utilities", "nrw"),
        days_ago=14,
        replies=[
            Reply(
                "dewi-lestari",
                "Pressure management, by far. We split the network into 30 DMAs and cut night "
                "pressure; NRW went from 41% to 29% in three years.",
                reactions={"helpful": ["joseph-ouma", "carmen-lopez"]},
                replies=[
                    Reply(
                        "carmen-lopez",
                        "Did you have to fight the commercial side? In our case the meter "
                        "replacement budget was moved to DMAs and billing got worse.",
                        replies=[
                            Reply(
                                "dewi-lestari",
                                "Yes, and we lost that fight at first. What helped was "
                                "showing the board litres saved per dollar for each measure.",
                                replies=[
                                    Reply(
                                        "joseph-ouma",
                                        "That litres-per-dollar table would be a great "
                                        "resource for the library. @dewi-lestari could you share it?",
                                    ),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            Reply(
                "aissatou-ba",
                "Commercial losses are a governance problem more than a technical one. Illegal "
                "connections dropped when we legalised them at a subsidised fee.",
                reactions={"agree": ["carmen-lopez"]},
            ),
            Reply(
                "layla-haddad",
                "BUY CHEAP WATER METERS NOW!!! Best prices, contact our sales team today.",
                flagged_by="kwame",
            ),
        ],
    ),
    DemoThread(
        "water-security",
        "aissatou-ba",
        "Evidence on sanitation marketing in peri-urban areas?",
        "I am looking for evaluations of sanitation marketing programmes in **peri-urban** settings (not "
        "rural). Most of what I find is from rural CLTS follow-ups.",
        kind="question",
        tags=("sanitation", "evidence"),
        days_ago=4,
    ),
    DemoThread(
        "urban-resilience",
        "lucia-fernandez",
        "Heat action plans: who owns them in your city?",
        "In our city the heat action plan sits with the health department, but cooling centres are run by "
        "social services and tree planting by parks. How do you coordinate?",
        tags=("heat", "governance"),
        days_ago=10,
        replies=[
            Reply(
                "rafael-souza",
                "We created a small resilience unit in the mayor's office that owns the plan "
                "and chairs a monthly heat cell from May to September.",
                reactions={"helpful": ["lucia-fernandez"]},
                replies=[
                    Reply(
                        "miguel-santos",
                        "Same in our case, plus early-warning thresholds agreed with "
                        "the met office so nobody argues when to activate.",
                    )
                ],
            ),
            Reply(
                "sanne-de-vries",
                "A single owner helps, but budget lines matter more. Ours only worked once "
                "cooling centres had their own line in the annual budget.",
            ),
        ],
    ),
    DemoThread(
        "urban-resilience",
        "ana-machava",
        "Build back better after cyclones: what would you do differently?",
        "Two years after Idai, some of our rebuilt schools were damaged again. Which standards or "
        "inspection practices made the difference where you work?",
        kind="question",
        tags=("recovery", "cyclones"),
        days_ago=30,
        replies=[
            Reply(
                "sanne-de-vries",
                "Roof anchoring inspections **before** the final payment. Contractors only "
                "comply when payment depends on it.",
                accepted=True,
                reactions={"helpful": ["ana-machava", "lucia-fernandez"]},
            ),
        ],
    ),
    DemoThread(
        "public-financial-management",
        "farah-siddiqui",
        "Commitment controls in an IFMIS: lessons?",
        "We are about to switch on commitment controls in our IFMIS. Ministries fear it will block urgent "
        "payments. Experiences with phasing it in?",
        kind="question",
        tags=("ifmis", "budget-execution"),
        days_ago=12,
        replies=[
            Reply(
                "daniel-okafor",
                "Phase by ministry, starting with the two that have the cleanest "
                "procurement plans, and publish weekly arrears figures so the benefit is visible.",
                accepted=True,
                reactions={"helpful": ["farah-siddiqui", "oliver-grant"]},
                replies=[
                    Reply(
                        "thabo-nkosi",
                        "And keep an emergency override with ex-post review, or "
                        "people will find a way around the system anyway.",
                    )
                ],
            ),
        ],
    ),
    DemoThread(
        "climate-adaptation-agriculture",
        "priya-raman",
        "Farmer field schools for drought-tolerant varieties",
        "Our field schools on drought-tolerant sorghum are popular but adoption stalls when seed is not in "
        "local agro-dealers. Has anyone linked field schools with seed systems?",
        tags=("seeds", "extension"),
        days_ago=8,
        replies=[
            Reply(
                "nguyen-thi-mai",
                "We invited agro-dealers to the final field day and gave them the demand "
                "figures from the groups. Two of five stocked the variety the next season.",
                reactions={"helpful": ["priya-raman"]},
            ),
        ],
    ),
    DemoThread(
        "digital-health",
        "grace-wanjiru",
        "DHIS2 data quality: which checks run automatically for you?",
        "We are setting up automated data quality checks for monthly facility reports. Which ones caught "
        "real problems for you?",
        tags=("dhis2", "data-quality"),
        days_ago=6,
        replies=[
            Reply(
                "peter-mugisha",
                "Outlier detection on ANC visits against the previous 12 months caught "
                "double reporting after a facility merge.",
                reactions={"helpful": ["grace-wanjiru"]},
            ),
        ],
    ),
    DemoThread(
        "humanitarian-logistics",
        "samuel-haile",
        "Pre-positioning stock before the cyclone season",
        "How do you decide how much to pre-position, and where, before the season starts?",
        kind="question",
        tags=("preparedness",),
        days_ago=5,
        replies=[
            Reply(
                "marcus-johnson",
                "We use the last five seasons' distributions per district as the floor "
                "and the anticipatory action triggers to decide the top-up.",
            ),
        ],
    ),
]


def seed_discussions() -> int:
    """Create the demo threads for communities that have none yet; returns how many."""
    users = {user.username: user for user in get_user_model().objects.all()}
    created = 0
    for spec in THREADS:
        community = Community.objects.filter(slug=spec.community).first()
        if community is None or spec.author not in users:
            continue
        if Thread.objects.filter(community=community, title=spec.title).exists():
            continue
        _seed_thread(spec, community, users)
        created += 1
    return created


def _seed_thread(spec: DemoThread, community: Community, users: dict) -> None:
    thread = thread_create(
        actor=users[spec.author], community=community, title=spec.title, body=spec.body, kind=spec.kind, tags=spec.tags
    )
    started = timezone.now() - timedelta(days=spec.days_ago)
    moments = iter(started + timedelta(hours=5 * step) for step in range(1, 1000))
    backdate(thread.posts.get(is_opening=True), started)
    last = started
    for reply in spec.replies:
        last = _seed_reply(reply, thread, None, users, moments)
    # Demo history: the services stamp "now"; spread the conversation over the past weeks.
    Thread.objects.filter(pk=thread.pk).update(created_at=started, last_activity_at=last)
    if spec.pinned:
        thread_moderate(actor=users[spec.author], thread=thread, action="pin")


def _seed_reply(reply: Reply, thread: Thread, parent, users, moments):
    post = post_reply(actor=users[reply.author], thread=thread, parent=parent, body=reply.body)
    moment = next(moments)
    backdate(post, moment)
    for kind, people in reply.reactions.items():
        for username in people:
            reaction_toggle(actor=users[username], post=post, kind=kind)
    if reply.accepted:
        answer_accept(actor=users[thread.author.username], post=post)
    if reply.flagged_by:
        flag_create(actor=users[reply.flagged_by], post=post, reason="spam", detail="Advertising, not practice")
    for child in reply.replies:
        moment = _seed_reply(child, thread, post, users, moments)
    return moment


def backdate(post: Post, moment) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=moment)
