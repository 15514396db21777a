"""The `tandem demo` data set: Northwind, a believable B2B software company.

Northwind sells a revenue forecasting and pricing analytics platform. Its ~40 people (sales,
marketing, customer success, product, leadership, operations) talk about ~25 customer
accounts over the last two months: call notes, campaigns, blog posts, win stories,
questions and collateral, with comments, reactions and follows.

Everything is written through the domain services, so links, counters, notifications and
the visibility rule are exactly what real use would produce. The content comes from a fixed
random seed, so every demo database tells the same story; only the dates move with "now".
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import service as accounts
from app.accounts.models import Account
from app.accounts.schemas import AccountCreate
from app.auth.passwords import hash_password
from app.core.db import transaction, utcnow
from app.core.visibility import Viewer, load_viewer, load_viewers
from app.demo.logins import DEMO_PASSWORD, DemoLogin, demo_logins
from app.follows import service as follows
from app.follows.models import UserFollow
from app.groups import service as groups
from app.groups.schemas import GroupCreate
from app.notifications.models import Notification, NotificationKind
from app.posts import service as posts
from app.posts.models import Comment, Post, PostKind, Reaction, ReactionKind
from app.posts.schemas import CommentCreate, PostCreate
from app.users import service as users
from app.users.models import Department, Role, User
from app.users.schemas import UserCreate

EMAIL_DOMAIN = "northwind.example"  # .example is reserved: no demo mail can reach anyone
SEED = 42
POST_COUNT = 400
HISTORY_DAYS = 60
POSTS_PER_TRANSACTION = 100


# The cast


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    department: Department
    title: str
    bio: str | None = None
    activity: float = 1.0  # how often they post, relative to their department

    @property
    def handle(self) -> str:
        return self.first.lower()

    @property
    def email(self) -> str:
        return f"{self.first}.{self.last}@{EMAIL_DOMAIN}".lower().replace(" ", "")

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


# Short names keep the tables below readable; "other" is operations: RevOps, deal desk,
# legal and security.
S, M, C, P, L, OPS = (
    Department.sales,
    Department.marketing,
    Department.customer_success,
    Department.product,
    Department.leadership,
    Department.other,
)

PEOPLE: tuple[_Person, ...] = (
    _Person("Renata", "Okafor", L, "Chief Revenue Officer",
            "Twenty years in B2B sales. Believes pipeline is a team sport.", 1.2),
    _Person("Tom", "Lindqvist", L, "VP Sales", "Ex-AE. Still does discovery calls for fun."),
    _Person("Claire", "Dubois", L, "VP Marketing",
            "Brand, demand and product marketing. Runs on espresso."),
    _Person("Sanjay", "Mehta", L, "VP Customer Success", "Renewals are earned every day.", 0.8),
    _Person("Marcus", "Reed", S, "Enterprise Account Executive",
            "Healthcare and financial services. Ask me about long procurement cycles.", 2.0),
    _Person("Priya", "Natarajan", S, "Senior Account Executive",
            "Insurance, biotech and finance accounts.", 1.5),
    _Person("Diego", "Alvarez", S, "Account Executive, Mid-Market", None, 1.3),
    _Person("Hannah", "Schultz", S, "Account Executive, Mid-Market",
            "Consumer goods, media and retail.", 1.1),
    _Person("Kwame", "Mensah", S, "Enterprise Account Executive",
            "Transport, energy and airlines.", 1.4),
    _Person("Lucy", "Tran", S, "Sales Development Representative", None, 0.8),
    _Person("Ben", "Carter", S, "Sales Development Representative", None, 0.7),
    _Person("Aisha", "Rahman", S, "Solutions Engineer",
            "I make the demo work and the security questionnaire go away.", 1.2),
    _Person("Oliver", "Grant", S, "Solutions Engineer", "Integrations nerd.", 0.9),
    _Person("Sofia", "Rossi", S, "Regional Sales Manager, EMEA", None, 1.1),
    _Person("Jake", "Morrison", S, "Sales Manager, Mid-Market", None, 0.8),
    _Person("Mei", "Lin", S, "Account Executive, Public Sector",
            "Government, education and ports.", 1.0),
    _Person("Nina", "Kowalski", M, "Field Marketing Manager",
            "Events, dinners and ABM plays for enterprise accounts.", 2.0),
    _Person("Ethan", "Brooks", M, "Product Marketing Manager",
            "Positioning, pricing pages and battlecards.", 1.4),
    _Person("Zoe", "Fischer", M, "Content Marketing Lead", "Words, mostly.", 1.5),
    _Person("Rahul", "Iyer", M, "Demand Generation Manager", None, 1.1),
    _Person("Grace", "Whitfield", M, "Marketing Operations Manager",
            "Lead scoring, attribution, and the occasional spreadsheet rescue.", 0.8),
    _Person("Leo", "Moreau", M, "Brand & Design Lead", None, 0.6),
    _Person("Amara", "Nwosu", M, "Customer Marketing Manager",
            "Turning your win stories into case studies. Send them my way!", 1.2),
    _Person("Felix", "Wagner", M, "Digital Marketing Specialist", None, 0.7),
    _Person("Isabel", "Cruz", M, "Events Manager", None, 0.9),
    _Person("Jonas", "Berg", M, "Competitive Intelligence Analyst",
            "Watching Stratalytix and Revlytic so you don't have to.", 1.2),
    _Person("Dana", "Whitaker", C, "Customer Success Manager",
            "Onboarding, adoption and renewals for mid-market customers.", 1.6),
    _Person("Omar", "Haddad", C, "Senior Customer Success Manager", None, 1.1),
    _Person("Chloe", "Martin", C, "Customer Success Manager", None, 0.9),
    _Person("Victor", "Santos", C, "Renewals Manager", None, 0.9),
    _Person("Ruth", "Abernathy", C, "Implementation Lead", None, 0.8),
    _Person("Kenji", "Watanabe", C, "Support Team Lead", None, 0.7),
    _Person("Elena", "Petrova", C, "CSM, Strategic Accounts", None, 1.0),
    _Person("Samuel", "Osei", P, "Director of Product", None, 1.0),
    _Person("Ingrid", "Larsen", P, "Product Manager, Integrations", None, 1.0),
    _Person("Tariq", "Aziz", P, "Product Manager, Forecasting", None, 0.9),
    _Person("Maya", "Goldberg", P, "UX Research Lead", None, 0.7),
    _Person("Noah", "Fitzgerald", P, "Product Manager, Platform", None, 0.7),
    _Person("Avery", "Quinn", OPS, "Revenue Operations Lead",
            "Owner of the CRM, the territories and this Tandem instance.", 0.9),
    _Person("Lars", "Johansson", OPS, "Deal Desk & Pricing Analyst", None, 0.8),
    _Person("Paula", "Mendes", OPS, "Commercial Counsel", None, 0.5),
    _Person("Wes", "Harmon", OPS, "Security & Compliance Manager", None, 0.6),
)  # fmt: skip

ADMIN = "avery"
SOLUTIONS_ENGINEERS = ("aisha", "oliver")
SDRS = ("lucy", "ben")
DEAL_DESK, LEGAL, SECURITY = "lars", "paula", "wes"


@dataclass(frozen=True)
class _Customer:
    name: str
    slug: str
    industry: str
    tier: str
    owner: str
    crm_id: str | None = None
    confidential: bool = False
    team: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.slug.replace("-", "") + ".example"


CUSTOMERS: tuple[_Customer, ...] = (
    _Customer("Brightwater Health", "brightwater", "Healthcare", "Enterprise", "marcus",
              "0016800000BWH001"),
    _Customer("Corvid Freight", "corvid-freight", "Logistics", "Enterprise", "kwame",
              "0016800000CVF002"),
    _Customer("Halden Bank", "halden-bank", "Financial services", "Strategic", "marcus",
              "0016800000HLB003"),
    _Customer("Kestrel Energy", "kestrel-energy", "Energy & utilities", "Enterprise", "kwame"),
    _Customer("Larkspur Retail Group", "larkspur", "Retail", "Mid-Market", "diego",
              "0016800000LRK004"),
    _Customer("Meridian Insurance", "meridian", "Insurance", "Enterprise", "priya",
              "0016800000MRD005"),
    _Customer("Northgate University", "northgate-university", "Education", "Mid-Market", "mei"),
    _Customer("Pinecrest Foods", "pinecrest-foods", "Consumer goods", "Mid-Market", "hannah"),
    _Customer("Quayside Hotels", "quayside-hotels", "Hospitality", "Mid-Market", "diego"),
    _Customer("Redfern Motors", "redfern-motors", "Automotive", "Enterprise", "sofia",
              "0016800000RFM006"),
    _Customer("Saltmarsh Media", "saltmarsh", "Media", "SMB", "hannah"),
    _Customer("Tidewater Ports Authority", "tidewater-ports", "Public sector", "Enterprise",
              "mei"),
    _Customer("Umberfield Manufacturing", "umberfield", "Manufacturing", "Mid-Market", "diego"),
    _Customer("Verdant Labs", "verdant-labs", "Biotech", "Mid-Market", "priya"),
    _Customer("Wexford Telecom", "wexford-telecom", "Telecommunications", "Strategic", "sofia",
              "0016800000WXT007"),
    _Customer("Yarrow Apparel", "yarrow-apparel", "Retail", "SMB", "hannah"),
    _Customer("Zephyr Air", "zephyr-air", "Airlines", "Enterprise", "kwame"),
    _Customer("Alder & Finch", "alder-finch", "Professional services", "SMB", "diego"),
    _Customer("Bluestem Pharmacy", "bluestem", "Healthcare", "Mid-Market", "priya"),
    _Customer("Cobalt Robotics", "cobalt-robotics", "Technology", "Mid-Market", "diego"),
    _Customer("Driftwood Games", "driftwood-games", "Gaming", "SMB", "hannah"),
    _Customer("Elmstead County Council", "elmstead-council", "Public sector", "Mid-Market",
              "mei"),
    _Customer("Foxglove Cosmetics", "foxglove", "Consumer goods", "Mid-Market", "sofia"),
    _Customer("Granite Peak Capital", "granite-peak", "Financial services", "Enterprise",
              "priya", "0016800000GPC008"),
    # Confidential: an evaluation under NDA and a defence prospect. Only their small teams
    # (and admins) see them or anything posted about them.
    _Customer("Solstice Pharmaceuticals", "solstice-pharma", "Pharmaceuticals", "Strategic",
              "marcus", None, True, ("aisha", "tom", "paula")),
    _Customer("Harbor Defense Systems", "harbor-defense", "Defense", "Strategic", "mei",
              None, True, ("oliver", "wes", "renata")),
)  # fmt: skip


@dataclass(frozen=True)
class _GroupSpec:
    name: str
    slug: str
    private: bool
    creator: str
    members: tuple[str, ...]


GROUPS: tuple[_GroupSpec, ...] = (
    _GroupSpec("Field Marketing", "field-marketing", False, "nina",
               ("isabel", "rahul", "felix", "leo", "amara", "claire", "marcus", "diego",
                "sofia", "lucy", "ben", "kwame")),
    _GroupSpec("Enterprise Sales", "enterprise-sales", False, "tom",
               ("marcus", "kwame", "priya", "sofia", "mei", "aisha", "oliver", "renata",
                "elena", "ethan", "nina", "lars")),
    _GroupSpec("Competitive Intel", "competitive-intel", False, "jonas",
               ("ethan", "aisha", "oliver", "marcus", "priya", "kwame", "diego", "hannah",
                "samuel", "tariq", "claire", "victor")),
    _GroupSpec("Customer Stories", "customer-stories", False, "amara",
               ("zoe", "dana", "omar", "chloe", "elena", "marcus", "nina", "leo", "sanjay")),
    # Private: discount approvals and non-standard terms stay between these people.
    _GroupSpec("Deal Desk", "deal-desk", True, "lars",
               ("tom", "renata", "jake", "sofia", "marcus", "priya", "paula", "avery",
                "kwame")),
)  # fmt: skip


# What people write. `{slot}`s are filled per post by `_Writer._slot`: `{acct}` is the
# post's main account as a `$slug`, `{person}` someone who may see the post as an `@handle`,
# `{comp_topic}` the competitor as a `#topic`, and so on.

COMPETITORS = ("Stratalytix", "Revlytic")
SYSTEMS = ("Salesforce", "SAP", "NetSuite", "Snowflake", "HubSpot", "Dynamics 365", "Workday")
IDPS = ("Okta", "Azure AD", "Ping Identity")
EVENTS = ("RevOps Summit", "Forecast Forward", "Retail Tech Expo", "CFO Leadership Forum",
          "Supply Chain Live", "SaaS Pricing Days")  # fmt: skip
CITIES = ("Chicago", "London", "Austin", "Berlin", "Toronto", "Amsterdam", "Denver", "Boston")
WEBINARS = ("Forecasting without spreadsheets", "Pricing in an inflationary market",
            "From pilot to rollout in 30 days", "What procurement wants from your business case",
            "Scenario planning for the board")  # fmt: skip
ROLES = ("finance", "RevOps", "supply chain", "IT", "procurement", "FP&A", "sales ops")
WORRIES = ("implementation time", "data quality in their CRM",
           "change management for 200 sellers", "the cost of the pricing module",
           "how we handle their ERP data", "whether the forecasts are explainable to the board",
           "who owns the tool after go-live")  # fmt: skip
FEATURES = ("scenario planning", "forecast accuracy reporting", "territory modelling",
            "the pricing optimizer", "the Snowflake connector",
            "the what-if simulator")  # fmt: skip

SALES_OPENERS = (
    "Call with {acct} this morning.",
    "Discovery call with {acct} went well.",
    "Quick update on {acct}:",
    "Just got off a demo with the {role} team at {acct}.",
    "Second meeting with {acct} today.",
    "Onsite at {acct} yesterday.",
    "{acct} update:",
    "Exec sponsor meeting at {acct} is done.",
    "Good news and bad news from {acct}.",
    "Spent the afternoon with {acct}'s {role} lead.",
)
SALES_MIDDLES = (
    "Their {role} team is worried about {worry}; we spent most of the hour on it. "
    "#objection-handling",
    "They are comparing us with {comp} and asked for a side-by-side on {feature}. {comp_topic}",
    "Procurement wants a three-year term with a price lock before they will sign. "
    "#procurement #pricing",
    "Security questionnaire landed: 240 questions, due back in two weeks. #security-review",
    "Budget is approved for next quarter, but it sits with the CFO's office, not the VP we've "
    "been talking to. #budget",
    "Their current process is a spreadsheet with 40 tabs and one person who understands it. "
    "Classic. #discovery",
    "They loved the forecasting demo, especially {feature}. #forecasting",
    "The big ask is a native connector for their {system} instance. #integrations",
    "Legal redlines came back on the DPA, mostly data-residency language. #legal",
    "Our champion is moving to a new role next month, so we need a second thread into the "
    "account. #champion",
    "They want SSO through {idp} before any pilot. #sso #security-review",
    "Pricing came up early: they are anchored on {comp}'s per-seat model. #pricing {comp_topic}",
    "Decision committee is five people; we have met three.",
    "Pilot scope agreed: two regions, {users} users, six weeks.",
    "Their CFO asked for the payback period before anything else. #roi",
    "They tried {comp} last year and the rollout stalled after three months. {comp_topic}",
    "They want to start with one business unit and expand if the numbers hold. #expansion",
    "Timeline slipped: the board meeting moved, so signature is now {weeks} weeks out. #pipeline",
)
SALES_NEXT_STEPS = (
    "{se} can you join the follow-up on Thursday?",
    "Next step: technical deep-dive with {se}.",
    "Sending the ROI model over tomorrow. #roi",
    "{marketer} any chance we can get them into {event}?",
    "If anyone has a contact there, ping me.",
    "Following up with a mutual action plan by Friday.",
    "{cs} would love your take on a realistic onboarding plan.",
    "Will loop in {dealdesk} on pricing before we send anything.",
    "",
    "",
)

SDR_UPDATES = (
    "Booked a discovery call with the {role} lead at {acct} for {owner}. They came in through "
    'the "{webinar}" webinar. #pipeline',
    "Outreach to {industry} is working: four meetings booked this week, {acct} among them. "
    'The "forty-tab spreadsheet" opener lands every time. #pipeline',
    '{acct} replied to the sequence: they are "reviewing options" for next year. {owner}, '
    "passing it to you with notes in the CRM. #pipeline",
    "Tip for SDRs: mention the {event} session when reaching out to {industry}. Reply rate "
    "doubled. #demand-gen",
    "{marketer} thanks for the new email templates, the one on procurement got three replies "
    "in a day. #enablement",
    "Meeting no-shows are down since we started sending the agenda the day before. Small "
    "thing, big difference.",
    "Inbound demo request from {acct}, {n} seats to start. {owner}, it's yours. #pipeline",
)
MARKETING_UPDATES = (
    'Registrations for the "{webinar}" webinar just passed {regs}. {n} target accounts are '
    "in, including {acct} and {acct2}. #webinar",
    "The new {industry} one-pager is live in the content library, built from {person}'s call "
    "notes. Thank you! #enablement",
    "Field event recap: {event} in {city} drew {attendees} people, and {acct} sent three "
    "people from their planning team. #events",
    "ABM wave two starts Monday: {acct}, {acct2} and {acct3} get the executive direct-mail "
    "piece and a personalised landing page. #abm",
    "Nurture stream on forecasting is beating benchmark: {pct}% open rate, {pct2}% click "
    "rate. #demand-gen",
    "We're refreshing the pricing page copy. Sales, what do prospects misread most? #pricing",
    "Booth is confirmed for {event} in {city}. We need two reps and an SE on the stand. "
    "{person}, interested? #events",
    "Inbound from {industry} doubled this month after the case study went live. #case-study",
    'Quarterly brand survey is in: "easy to set up" is now the top association, up from '
    "fifth place last year.",
    "Looking for a customer to co-present at {event}. {acct} would be perfect. {owner}, "
    "what do you think? #events",
    "Exec dinner in {city} next month: {seats} seats, and {acct} and {acct2} have already "
    "confirmed. #events #abm",
    'Paid search update: we paused the generic "forecasting software" terms and moved the '
    "budget to competitor comparisons. CPL down {pct}%. #demand-gen",
    "Lead scoring change going live Monday: webinar attendance now counts double for target "
    "accounts. Shout if you see odd MQLs. #pipeline",
    "The {comp} comparison page is our third most visited page this month. {comp_topic}",
    "Draft of the new customer newsletter is ready for review. Featuring {acct}'s rollout "
    "story, with permission. #case-study",
    'Webinar recording for "{webinar}" is up. {regs} registered, {attendees}% showed up '
    "live, which is great for us. #webinar",
)
CS_UPDATES = (
    "QBR with {acct} went well: adoption is up to {pct}% of licensed users and they want to "
    "add the pricing module. {owner} #expansion",
    "{acct} renewal is in {days} days. Health is yellow: usage dropped after their admin "
    "left. {owner} looping you in. #renewal",
    "Onboarding kicked off for {acct}. Go-live target is {weeks} weeks out. #onboarding",
    "{acct} has filed three tickets this week about the {system} sync. {pm} could product "
    "take a look? #integrations",
    "Renewal signed with {acct}: two years, {pct2}% uplift, no drama. #renewal",
    "{acct} asked for a training session for their new regional managers. #enablement",
    "{acct} is our most active customer this month: {users} forecasts published.",
    "Heads-up: {comp} is calling {acct} ahead of their renewal with a 30% discount offer. "
    "{comp_topic} #renewal",
    "Executive business review with {acct} is booked. They want to see the roadmap for {feature}.",
    "Go-live at {acct} done! {users} users trained across four regions. #onboarding",
    "{acct} wants to present their rollout at our user conference. {marketer} this one is for "
    "you. #case-study",
    "Adoption dip at {acct} after their reorg. Running a re-onboarding for the new team next "
    "week. #onboarding",
)
PRODUCT_UPDATES = (
    "Release notes: the {system} connector now syncs every 15 minutes instead of hourly. "
    "Thanks {person} for the {acct} feedback that pushed this. #integrations",
    "We're running customer interviews on forecast accuracy reporting. Sales and CS: nominate "
    "accounts! {acct} and {acct2} are already in. #forecasting",
    "Beta for {feature} opens next week with {n} customers signed up. #launch",
    "SSO with SCIM provisioning is now generally available, which unblocks a few security "
    "reviews ({acct} for one). #sso #security-review",
    "Roadmap review is Thursday. Bring the top three asks you hear from customers.",
    "Audit log export ships this sprint; it was the most common gap on security "
    "questionnaires. #security-review",
    "Usage data: accounts that connect {system} in week one renew at a much higher rate. "
    "CS, let's make that connection part of every onboarding. #onboarding",
    "We sat in on five calls with {acct} this month. Biggest insight: their planners never "
    "open the dashboard, they live in the weekly email digest. #forecasting",
    "Pricing module v2 is in design review; {dealdesk} and {marketer} are helping with the "
    "packaging. #pricing",
)
LEADERSHIP_UPDATES = (
    "Great week, team: {n} new logos including {acct}. Special shout-out to {person} and "
    "{person2} for the joint sales and marketing play. #win",
    "Reminder: pipeline review on Monday. Please have next steps in the CRM for every deal "
    "over 50k. #pipeline",
    "The board meeting went well. The story that landed: marketing-sourced pipeline up {pct}% "
    "and the {acct} expansion.",
    "All-hands on Friday: we'll walk through the new territory plan and the partner program.",
    "Welcome to the three new AEs starting Monday! Please say hi and invite them to your "
    "calls this week. #enablement",
    "Net revenue retention is at 118%. CS and sales: that number is you. #renewal",
    "We're hiring two more SEs. If you know someone great, send them to {person}.",
)
OPS_UPDATES = {
    "avery": (
        "CRM sync: {n} accounts updated from the export this morning. Ping me if an account is "
        "assigned to the wrong rep.",
        "New territory map is in the CRM. {acct} and {acct2} changed owners; handovers this "
        "week please. #pipeline",
        "Reminder that account tags follow the CRM: tag a post with {acct} (or any account) "
        "and it shows up on that account's page.",
    ),
    "lars": (
        "Deal desk turnaround is now under 24 hours for standard discounts up to 15%. #pricing",
        "Quarter-end is close: {n} deals are in the deal desk queue. Get your requests in "
        "early. #pricing",
        "New price book is live. Main change: the pricing module is now sold per business unit, "
        "not per seat. #pricing",
    ),
    "paula": (
        "The new MSA template is live: a shorter limitation-of-liability clause that should cut "
        "redline cycles. #legal #procurement",
        "Reminder: no side letters. If a customer needs a non-standard term, it goes in the "
        "order form and through legal. #legal",
    ),
    "wes": (
        "Updated SOC 2 report and pen test summary are in the trust portal. Send prospects "
        "there first. #security-review",
        "We now have a pre-filled SIG Lite and CAIQ. That should save a week on most "
        "questionnaires. #security-review",
    ),
}

QUESTIONS = (
    'Has anyone handled {comp}\'s "free migration" offer? {acct} just brought it up. '
    "{comp_topic} #objection-handling",
    "What's our standard answer on data residency in the EU? Procurement at {acct} is "
    "asking. #security-review #procurement",
    "Do we have a case study in {industry}? I need something for {acct} by Friday. #case-study",
    "Who owns the relationship at {acct}? Three people there downloaded the forecasting "
    "whitepaper this week.",
    "Is there a deck on ROI for finance audiences? The CFO at {acct} wants numbers, not "
    "features. #roi",
    "Can we go beyond 20% on a multi-year deal without deal desk? Asking for {acct}. #pricing",
    "Which webinar should I invite the ops team at {acct} to? #webinar",
    "How long does a security review usually take in {industry}? {acct} wants a timeline. "
    "#security-review",
    "Anyone know someone at {acct}? A warm intro would help a lot.",
    "What's the difference between an MQL and an SQL in our funnel these days? Asking so we "
    "can stop arguing about it. #pipeline",
    "Does the {system} connector support custom objects? {acct} needs it. #integrations",
    "What's the best way to position the pricing module against {comp}? {comp_topic} #pricing",
    "Are we still offering the onboarding package for free to mid-market? {acct} is asking. "
    "#onboarding #pricing",
    "Who can do a reference call with {acct} next week? Ideally someone in {industry}.",
    "Is there a recording of the {event} talk? {acct} missed it and wants to see it. #events",
    "{se} do we have a sandbox with {industry} sample data for demos?",
)

COLLATERAL = (
    ("Battlecard: Northwind vs {comp}",
     "Updated battlecard for {comp}. New this month: their pricing change and the three "
     "questions that expose their implementation timeline.\n\nUse it when a prospect says "
     "\"we're also looking at {comp}\". {comp_topic} #enablement"),
    ("ROI calculator (v3)",
     "The ROI calculator now takes the customer's own forecast error as an input and shows "
     "payback by month. Finance teams love it. #roi #enablement"),
    ("Security & privacy FAQ for procurement teams",
     "Two pages, plain language, answers the 25 questions we get in every review. Send it "
     "before the questionnaire arrives. #security-review #procurement"),
    ("One-pager: forecasting for {industry}",
     "A one-pager for {industry} buyers with the numbers from our customers in the sector. "
     "Built with {person}. #enablement"),
    ("Pricing & packaging cheat sheet",
     "Everything on one page: editions, the pricing module, multi-year discounts and what "
     "needs deal desk approval. #pricing #enablement"),
    ("Discovery question bank",
     "Forty discovery questions sorted by persona (CFO, RevOps, supply chain) with the answer "
     "that tells you there's a deal. #discovery #enablement"),
    ("Webinar recording: {webinar}",
     "Full recording plus a 4-minute cut for prospects who won't watch an hour. #webinar"),
    ("Case study: {acct_name}",
     "The {acct} story is approved: forecast error down {pct}%, planning cycle from three "
     "weeks to four days. PDF and slide version in the library. #case-study"),
    ("Objection handling guide",
     "The ten objections we hear most, what's really behind each one and how our best reps "
     "answer. #objection-handling #enablement"),
    ("Executive business review template",
     "The EBR template CS has been using with strategic accounts, now with a value summary "
     "slide. #renewal #enablement"),
    ("Integration overview: {system}",
     "How the {system} connector works, what data it reads and writes, and what IT needs to "
     "approve. #integrations"),
    ("Mutual action plan template",
     "A shared plan to build with the champion: milestones, owners, and the paperwork nobody "
     "remembers until week eight. #procurement"),
    ("Customer reference list",
     "Who is willing to take a reference call, on which topics, and how often we can ask. "
     "Please log every reference request. #case-study"),
    ("Demo script: scenario planning",
     "A 12-minute demo of scenario planning built around a retail use case. Recording of "
     "{se} running it included. #enablement"),
    ("Email templates for renewal outreach",
     "Three emails for 120, 90 and 60 days before a renewal, with the adoption numbers "
     "pulled in. #renewal"),
    ("Slide: why now",
     "One slide on why forecasting can't wait until next year, with third-party numbers. "
     "Works well in first meetings. #pipeline"),
    ("Analyst report summary",
     "Our summary of the new analyst report on revenue planning tools, including where "
     "{comp} is placed and how to talk about it. {comp_topic}"),
    ("Trade show one-pager",
     "The handout for {event}: short, visual and with a QR code to the sandbox. #events"),
)  # fmt: skip

WIN_OPENERS = {
    S: (
        "We closed {acct}! {arr} ARR on a {term}.",
        "Signed! {acct} is officially a customer: {arr} ARR, {term}.",
        "Contract is back with signatures: {acct}, {arr} ARR on a {term}. 🎉",
    ),
    C: (
        "Expansion at {acct}: they added the pricing module for {n} more business units, "
        "{arr} ARR on top.",
        "{acct} renewed early and expanded: {term}, {arr} ARR.",
    ),
    M: ("Customer story in the making: {acct} signed with {owner} this week, {arr} ARR.",),
    L: ("Big one: {acct} signed this week. {arr} ARR on a {term}. Well done {owner} and team.",),
}
# New logos for sales, marketing and leadership; renewals and expansions for CS.
WIN_HEADLINES = {
    "new": (
        "three-year deal signed",
        "new logo after a five-month evaluation",
        "from pilot to signature in six weeks",
        "signed, and rolling out to every region",
    ),
    "expansion": (
        "renewed and expanded",
        "pricing module added for more business units",
        "early renewal, bigger footprint",
    ),
}
WIN_WHY = (
    "{comp} could not show a forecast their CFO could explain; our scenario planning demo did "
    "it in ten minutes. {comp_topic}",
    "The pilot: {users} users, six weeks, forecast error down {pct}%. Nothing sells like their "
    "own data. #forecasting",
    "Security review was done in three weeks thanks to the pre-filled questionnaire. "
    "#security-review",
    "A reference call with another {industry} customer answered every doubt about "
    "implementation time.",
    "We priced the pricing module per business unit, which fit how their budget is split. #pricing",
    "Their champion built the business case with our ROI calculator and presented it to the "
    "board herself. #roi",
)
WIN_HELPERS = (
    "{se} ran a flawless technical evaluation, and {marketer}'s webinar is what got their ops "
    "director in the door in the first place.",
    "{person} on references, {dealdesk} on a creative multi-year structure, and {legal} turned "
    "the redlines around in 48 hours.",
    "{cs} joined the last two calls to walk through onboarding, which took the risk out of the "
    "decision.",
    "{se} and {person} rebuilt the demo around their own data over a weekend.",
)
WIN_USE = (
    "They are happy to be a reference after go-live and open to a case study. #case-study",
    'Quote from their VP Finance: "we finally have one number everyone believes." #case-study',
    "The {comp} displacement angle: they will speak to it on a webinar. {comp_topic} #webinar",
    "Nothing public yet, but we can use the numbers anonymised.",
)
TERMS = ("three-year term", "two-year term", "one-year term with an expansion option")

GROUP_POSTS = {
    "deal-desk": (
        "Approval request: {acct}, {disc}% discount on a three-year term, {arr} ARR. They have a "
        "{comp} quote in hand. {dealdesk} #pricing {comp_topic}",
        "Non-standard payment terms for {acct}: they want net-90, billed annually in arrears. "
        "Thoughts? {legal} #procurement",
        "Approved: {acct} at {disc}% with a 5% cap on annual uplifts. Go get it signed. #pricing",
        "Reminder: anything below the floor price needs CRO sign-off before it goes to the "
        "customer. #pricing",
        "{acct} asked for a most-favoured-customer clause. We don't offer those; alternative "
        "language is in the thread. {legal} #legal",
        "Quarter-end check: {n} deals in the queue, average requested discount {disc}%. #pricing",
        "Can we ramp {acct}: half the seats in year one, all of them in year two? It fits their "
        "budget timing. #pricing",
        "Has anyone done a ramp deal in {industry} before? {acct} is asking for one. #procurement",
    ),
    "competitive-intel": (
        "{comp} just announced an AI forecasting add-on. Early read: a separate SKU at a steep "
        "price. {comp_topic}",
        "Heard from {acct}: {comp} is offering a free first year to switch. {comp_topic} "
        "#objection-handling",
        "Win/loss update: we won {n} of the last {n2} deals against {comp}. The one we lost was "
        "on price. {comp_topic}",
        "{comp}'s new pricing page is up: per-seat with a platform fee. Battlecard updated. "
        "{comp_topic} #pricing",
        "A trap question that works against {comp}: ask how their forecast handles a product "
        "launch with no history. {comp_topic} #objection-handling",
        "{comp} is sponsoring {event} this year. Expect them at the booth next to ours. "
        "{comp_topic} #events",
    ),
    "customer-stories": (
        "Case study draft for {acct} is ready for review. {owner} can you check the numbers? "
        "#case-study",
        "{acct} agreed to a video testimonial! Filming at their office in {city} next month. "
        "#case-study",
        "Reference request for {acct}: they want to talk to a customer who went live in under "
        "60 days. Any ideas? #case-study",
        'New quote approved from {acct}: "Planning used to take three weeks. Now it takes '
        'four days." Use it everywhere. #case-study',
    ),
}


@dataclass(frozen=True)
class _Blog:
    title: str
    body: str
    authors: tuple[str, ...]  # who would plausibly write it


BLOGS: tuple[_Blog, ...] = (
    _Blog(
        "Positioning against {comp}: what we learned from 30 lost deals",
        """We went through every deal we lost to {comp} in the last year, read the call notes \
in Tandem and talked to the reps. Three patterns came up again and again.

## 1. We lost on the demo, not on the product

In most losses, {comp} showed the prospect's own numbers in the second meeting. We showed \
our sample data until the pilot. Since the spring, {se} and the SE team load a slice of real \
data before the second call, and our win rate against {comp} went up {pct}%.

## 2. Price was the reason given, rarely the reason

When we dug in, "too expensive" usually meant "we don't see the payback". The ROI calculator \
fixes most of that when the CFO is in the room early.

## 3. Procurement surprises

Several deals slipped a quarter because nobody asked about procurement until the verbal yes. \
Ask in discovery: who signs, what paperwork, how long it took last time.

**What changes now:** the battlecard is updated, and there is a new discovery question bank. \
Questions and counter-examples are welcome in the comments. {comp_topic} #objection-handling \
#enablement""",
        ("ethan", "jonas"),
    ),
    _Blog(
        "How we write case studies customers actually approve",
        """Half of the case studies we start never get approved by the customer. Here is what \
we changed so that the next ten make it through legal.

## Start from the customer's words

We used to write the story and then look for quotes. Now we interview the champion first \
and build the story around what they said. The {acct} story went through approval in one \
round because the VP recognised every sentence.

## Numbers they already shared

Customers approve numbers they have already said out loud, in a QBR or on a webinar. Ask \
{cs} and the account team for those before inventing new ones.

## Make it easy to say yes

- one page, not four
- a clear list of what will be published where
- an option to stay anonymous for the first version

If you have a happy customer with results like {acct}, tag me on the win story: I will take \
it from there. #case-study""",
        ("zoe", "amara"),
    ),
    _Blog(
        "Field marketing playbook: an executive dinner that creates pipeline",
        """We ran six executive dinners this year. Two created no pipeline at all, four created \
more than any trade show. The difference was not the restaurant.

## Invite list first, venue second

The good dinners had a list built by the account owners, not by marketing: twelve people, \
eight target accounts, at least two customers. {acct} and {acct2} came because their rep \
invited them personally.

## One topic, no slides

"How finance and sales agree on a forecast" works. A product pitch does not. Our best \
evenings had a customer telling their story for ten minutes and then an open conversation.

## The follow-up is the event

Every guest gets a personal note from their rep within 48 hours, with something from the \
conversation. Marketing drafts, sales sends. Results from the {city} dinner: {n} first \
meetings in three weeks.

Next dinners are planned for {event} week. Reps, send me your invite lists! #events #abm""",
        ("nina", "isabel", "leo"),
    ),
    _Blog(
        "What {regs} webinar registrations taught us about our buyers",
        """Our last series, "{webinar}", had {regs} registrations. We looked at who they \
were and what they did afterwards.

## Finance shows up, sales ops asks questions

A third of registrants were in finance or FP&A, more than we expected. But the questions \
came from sales ops and RevOps: how to get CRM data clean enough to forecast.

## Live attendance predicts pipeline

Registrants who attended live were five times more likely to take a meeting than those who \
only watched the recording. We now call live attendees within a day.

## Target accounts

{acct}, {acct2} and {acct3} all sent more than three people. Their reps got a summary of \
who attended and what they asked.

The next webinar is about procurement and the business case. If you have a customer who \
would co-present, tell me. #webinar #demand-gen""",
        ("rahul", "felix", "nina"),
    ),
    _Blog(
        "One definition of a qualified lead",
        """For years, sales and marketing at Northwind meant different things by "qualified \
lead". Marketing counted form fills; sales counted people with budget. Both were right, and \
the argument cost us pipeline.

## The new definition

From this quarter a lead is qualified when:

1. the company matches our ideal customer profile,
2. someone with a planning or finance role is engaged, and
3. there is a stated problem with their forecast or pricing process.

## What changes for marketing

Lead scoring now weights role and account fit over activity. Webinar attendance still \
counts, but a student downloading every whitepaper no longer becomes an MQL.

## What changes for sales

Every qualified lead gets a first touch within one business day, and the reason for \
rejecting one is recorded. {person} will review the rejections with marketing every two \
weeks.

We will look at the numbers together at the end of the quarter. #pipeline""",
        ("claire", "renata", "grace"),
    ),
    _Blog(
        "Attribution is a conversation, not a dashboard",
        """Every quarter someone asks "which channel sourced this deal?" and every quarter the \
answer is "several". Here is how we are going to talk about attribution from now on.

## What the data can tell us

Which touches happened, in what order, with which people at the account. For {acct} that \
was a webinar, two whitepapers, an SDR call from {person} and a dinner invitation.

## What it cannot

Why they bought. That is in the call notes, which is why tagging accounts in Tandem matters \
so much: every post about an account is part of the story.

## What we will report

Marketing-influenced pipeline, first-touch and last-touch side by side, and a monthly review \
of five deals read end to end. No single number will be the truth. #pipeline #demand-gen""",
        ("grace", "rahul"),
    ),
    _Blog(
        "From win story to reference: a guide for reps",
        """Every win story posted here is read by marketing. A few become references and case \
studies. Here is how to help yours get there.

## Write down why they bought

The "why we won" part of a win story is the most valuable thing you write all quarter. Be \
specific: which demo moment, which number, which person changed their mind.

## Ask early, ask once

The best time to ask for a reference is at signature, when everyone is happy. Ask if they \
would be open to it after go-live, then let us handle the rest.

## Protect your customer

We keep a list of references and how often they are called. Nobody gets more than one call a \
month. {acct} has been generous this quarter, so let's give them a break. #case-study""",
        ("amara", "zoe", "nina"),
    ),
    _Blog(
        "The competitive landscape this quarter",
        """A quick tour of who we meet in deals and what changed.

## {comp}

Still the name we hear most in enterprise deals. They have a new pricing model and a heavy \
push into {industry}. Their weak point has not changed: implementations take many months, \
and prospects know it.

## Everyone else

Spreadsheets remain our biggest competitor. In {pct}% of lost deals the customer decided to \
do nothing. That is a discovery problem, not a product one.

## What to do

Use the updated battlecard, ask the implementation-timeline question early, and post what \
you hear with the competitor's topic so we all see it. {comp_topic}""",
        ("jonas", "ethan"),
    ),
    _Blog(
        "What I learned from fifty discovery calls in {industry}",
        """I ran fifty discovery calls with {industry} companies this year. Here is what I \
would tell myself on day one.

## Nobody wants a forecasting tool

They want to stop arguing about the forecast in the Monday meeting. Start there. "How long \
does your team spend reconciling numbers?" opens more doors than any feature.

## Find the spreadsheet owner

Every account has one person who keeps the real forecast in a spreadsheet. At {acct} it was \
a planner nobody had put on the invite. Get them in the room early, or they will quietly \
kill the deal.

## Ask about the last purchase

"How did you buy the last tool like this?" tells you about procurement, security and legal \
in one question. It would have saved me two months on one deal.

Happy to share my call notes with anyone working {industry} accounts. #discovery""",
        ("marcus", "priya", "kwame", "diego", "hannah", "mei"),
    ),
    _Blog(
        "Surviving procurement: a field guide",
        """Procurement is where good quarters go to die. After a few painful ones, here is \
what works.

## Map the paperwork in week one

Security questionnaire, DPA, vendor onboarding, insurance certificates. Ask for the list \
before the pilot and put it in the mutual action plan.

## Pre-empt the security review

Send the security FAQ and the trust portal link before they ask. {security} can join a \
30-minute call with their security team, which usually saves two rounds of questions.

## Know your walk-away terms

Deal desk and legal publish what we can and cannot accept. Knowing it upfront means you can \
say yes on the call instead of "let me check".

The last deal at {acct} went from verbal to signature in eleven days with this approach. \
#procurement #security-review""",
        ("priya", "sofia", "marcus", "jake", "mei"),
    ),
    _Blog(
        "Running a pilot that turns into a signature",
        """Too many pilots end with "that was interesting". Here is how our pilots end with a \
contract.

## Agree on success before you start

Write down the two or three numbers that will decide the purchase, and who decides. If the \
customer cannot name them, the pilot is not ready.

## Short and real

Six weeks, real data, real users. {se} sets up the {system} connection in the first week so \
the customer sees their own forecast by week two.

## Plan the end on day one

Book the readout meeting with the decision maker when you start the pilot, and get \
procurement started in parallel. #discovery #forecasting""",
        ("aisha", "oliver", "kwame", "jake"),
    ),
    _Blog(
        "The first 90 days: why onboarding decides the renewal",
        """We looked at every renewal from the last two years. The best predictor of a \
renewal was not the size of the deal or the industry. It was what happened in the first 90 \
days.

## Connected data in week one

Customers who connected their CRM or ERP in the first week renewed at a much higher rate. \
That is now the first milestone in every onboarding plan.

## One forecast published by day 30

A published forecast, even an imperfect one, means people are using the product for real \
decisions.

## An executive check-in by day 90

A short review with the executive sponsor that shows the value in their own numbers. \
{acct}'s check-in turned into an expansion conversation on the spot.

Sales: tell us during the handover what the customer was promised. It makes all of this \
easier. #onboarding #renewal""",
        ("dana", "ruth", "sanjay", "chloe", "kenji"),
    ),
    _Blog(
        "Renewals start at the kickoff call",
        """A renewal conversation that starts 90 days before the date is too late. Here is how \
we are changing the renewal motion.

## Value reviews every quarter

Every customer gets a short review each quarter with the numbers that matter to them. By \
renewal time, the business case has already been made four times.

## Usage alerts

When usage drops, the CSM and the account owner both get an alert and a plan within a week. \
We caught a drop at {acct} early this way and turned it around.

## Sales and CS on the same page

Expansions happen when the CSM hears about a new need and the rep acts on it. Post what you \
hear, tag the account, and mention the owner. #renewal #expansion""",
        ("victor", "omar", "elena", "dana"),
    ),
    _Blog(
        "Why we are building scenario planning the way we are",
        """Scenario planning is the most requested feature on our roadmap. Here is how we \
decided what to build first.

## What customers asked for

"Let me change three assumptions and see the forecast move." We heard it from {acct}, \
{acct2} and a dozen others, in almost the same words.

## What they actually needed

In interviews, planners said the hard part is not the maths: it is explaining to their \
leadership why the number changed. So the first version focuses on side-by-side comparison \
and a plain-language explanation of every change.

## What is next

A beta with {n} customers next month, then general availability. Sales and CS: if a \
customer needs this for a deal or a renewal, tell {pm}. #forecasting #launch""",
        ("samuel", "tariq", "maya", "noah"),
    ),
    _Blog(
        'What customers mean when they say "integration"',
        """"Do you integrate with {system}?" is one of the most common questions in sales \
calls. The honest answer is always "it depends on what you mean". Here are the three things \
customers usually mean.

## Reading data

Most customers need us to read opportunities, orders and products, and that is covered by \
the standard connectors.

## Writing back

Some want the forecast written back into their CRM so reps see it where they work. That \
works for Salesforce and Dynamics 365 today, with more to come.

## Single sign-on and provisioning

IT teams often mean SSO and user provisioning. Both are supported with SCIM.

If a deal depends on something else, post it with #integrations and tag me. #integrations""",
        ("ingrid", "noah", "oliver"),
    ),
    _Blog(
        "Why we put sales and marketing in one place",
        """When we started using Tandem, a few people asked why we needed yet another place to \
write things down. Here is the reason.

## Knowledge was stuck in inboxes

Our reps heard the same objection from five accounts before marketing ever heard about it. \
Marketing ran campaigns for accounts that the rep had already lost. Both teams worked hard, \
in separate rooms.

## The account is what we share

Everything we do is for a customer. When every post is tagged with the account, anyone can \
open the {acct} page and see who has talked to them, what they care about and what \
marketing is running.

## What I ask of everyone

Post your call notes, your campaigns and your questions. Tag the account. Read before your \
next meeting. That's it. #enablement""",
        ("renata", "claire", "tom"),
    ),
    _Blog(
        "Our plan for the second half",
        """We had a strong first half. Here is where we are putting our energy next.

## Fewer, bigger accounts

Enterprise accounts grew fastest, and the teams that worked them together (rep, SE, \
marketer, CSM) won more often. Every strategic account now has a named pod.

## Expansion as a motion

Net revenue retention is our best number. CS and sales will run a joint expansion review \
every month, starting with {acct} and {acct2}.

## One way to talk about value

Marketing, sales and CS will use the same value story and the same numbers. Expect a \
refreshed pitch deck and the updated ROI calculator soon.

Questions welcome, here or at the all-hands. #pipeline #expansion""",
        ("renata", "tom", "sanjay"),
    ),
    _Blog(
        "How to get through a security review in three weeks",
        """Security reviews used to take us two months on average. The last five took under \
three weeks. Here is how.

## Send the package before they ask

The trust portal has our SOC 2 report, pen test summary, pre-filled SIG Lite and CAIQ. Most \
security teams accept those for 80% of their questionnaire.

## Get on a call

A 30-minute call between their security team and me answers the questions that take five \
emails otherwise. Book me early.

## Know the usual sticking points

Data residency, subprocessors and SSO. We have standard answers for all three; use them \
instead of writing new ones.

The {acct} review took twelve days with this approach. #security-review #procurement""",
        ("wes", "aisha"),
    ),
    _Blog(
        "Five contract clauses that stall deals, and what to do about them",
        """Most redline rounds are about the same five clauses. Knowing them saves weeks.

1. **Limitation of liability.** Our new MSA has a reasonable cap; offer it before they ask.
2. **Data processing.** Send our DPA with the order form, not after.
3. **Most-favoured-customer.** We don't offer it. Offer price protection instead.
4. **Termination for convenience.** Usually fine after the first year.
5. **Auto-renewal.** Some public sector customers cannot accept it; check early.

When in doubt, post the question in Deal Desk or tag me. #legal #procurement""",
        ("paula", "lars"),
    ),
)

COMMENTS = {
    PostKind.update: (
        "Thanks for sharing, this is useful context.",
        "+1, we're hearing the same thing at {acct2}.",
        "Happy to help with this one. {author}, let's find 15 minutes tomorrow.",
        "Do they have a date for the decision yet?",
        "Saving this for my next call with a similar account.",
        "Interesting. Did they say who else is involved on their side?",
        "We had the same question at {acct2}; the security FAQ answered most of it.",
        "Nice progress!",
        "Let me know if a customer reference would help, {acct2} might be up for it.",
        "Adding this to the agenda for Monday's pipeline review.",
        "Can you share the deck you used?",
        "Love seeing sales and marketing on the same account like this.",
    ),
    PostKind.question: (
        "We handled this at {acct2} last quarter. {person} has the details.",
        "There's a one-pager in the content library that covers it; search for it by name.",
        "{person} is the right person to ask.",
        "Deal desk can approve that within a day. Post the details in the Deal Desk group.",
        "Short answer: yes, but get legal to look at the wording first.",
        "Good question. I'd like to know too.",
        "I asked the same thing last month. The answer is in the battlecard now.",
        "Depends on the term length. Happy to walk you through it.",
        "We have a recording from last quarter that answers exactly this.",
    ),
    PostKind.win_story: (
        "Congrats {author}! 🎉",
        "Huge. Well done, team.",
        "Can we get a quote from their champion for the website?",
        "Amazing work. This is exactly the story we need for the next webinar.",
        "Great teamwork on this one.",
        "So well deserved after that evaluation.",
        "Adding this to the reference list once they go live.",
        "Let's get onboarding scheduled quickly and keep the momentum.",
    ),
    PostKind.collateral: (
        "Used this with {acct2} yesterday and it landed well.",
        "Could we get a version for public sector?",
        "Finally something short enough to send to a CFO. Thank you!",
        "One small thing: the pricing slide still shows the old editions.",
        "Added to my email templates.",
        "Is there an editable version?",
        "This is great. Sharing with the SDR team.",
    ),
    PostKind.blog: (
        "Great read.",
        "This matches what we hear from customers almost word for word.",
        "The section on procurement is gold.",
        "Sharing this with my team.",
        "Would love a follow-up on how this plays out in public sector.",
        "Really clear, thank you for writing it down.",
        "We should turn this into an enablement session.",
        "Agree with most of it. The hard part is doing it consistently.",
    ),
}
REPLIES = (
    "Thanks!",
    "Agreed.",
    "Good call, will do.",
    "Sending it over now.",
    "Let's sync tomorrow.",
    "Good point, adding it to the doc.",
    "Yes, exactly that.",
    "Thanks {parent}, that helps.",
    "{parent} can you send me the link?",
    "Will report back after the call.",
)
TOPICS_BY_DEPARTMENT = {
    S: ("pricing", "procurement", "security-review", "objection-handling", "stratalytix",
        "revlytic", "discovery", "roi", "pipeline"),
    M: ("webinar", "events", "abm", "case-study", "demand-gen", "stratalytix", "enablement",
        "pricing"),
    C: ("renewal", "onboarding", "expansion", "integrations", "case-study"),
    P: ("forecasting", "integrations", "launch", "security-review", "pricing"),
    L: ("pipeline", "renewal", "pricing", "case-study", "win"),
    OPS: ("pricing", "procurement", "legal", "security-review"),
}  # fmt: skip
# How likely each department is to write each kind of post.
KIND_WEIGHTS = {
    S: {PostKind.update: 56, PostKind.question: 22, PostKind.win_story: 12, PostKind.blog: 5,
        PostKind.collateral: 2},
    M: {PostKind.update: 40, PostKind.collateral: 24, PostKind.blog: 12, PostKind.question: 9,
        PostKind.win_story: 5},
    C: {PostKind.update: 59, PostKind.question: 15, PostKind.win_story: 10, PostKind.blog: 8,
        PostKind.collateral: 4},
    P: {PostKind.update: 60, PostKind.blog: 18, PostKind.question: 18, PostKind.collateral: 4},
    L: {PostKind.update: 55, PostKind.blog: 20, PostKind.win_story: 15, PostKind.question: 5},
    OPS: {PostKind.update: 60, PostKind.question: 12, PostKind.collateral: 14, PostKind.blog: 14},
}  # fmt: skip
DEPARTMENT_ACTIVITY = {S: 1.3, M: 1.1, C: 0.9, P: 0.6, L: 0.5, OPS: 0.45}
# How much conversation each kind of post gets. Kept modest: every comment and reaction goes
# through the services (notifications included), and that is most of the seeding time.
COMMENT_COUNTS = {
    PostKind.question: (1, 1, 2, 2, 3),
    PostKind.win_story: (1, 2, 3, 4),
    PostKind.blog: (0, 1, 2, 3),
    PostKind.collateral: (0, 0, 1, 2),
    PostKind.update: (0, 0, 0, 0, 1, 1, 2),
}
REACTION_COUNTS = {
    PostKind.win_story: (4, 12),
    PostKind.blog: (2, 8),
    PostKind.collateral: (1, 5),
    PostKind.update: (0, 2),
    PostKind.question: (0, 1),
}
# Weights of like, insightful, celebrate.
REACTION_KINDS = {
    PostKind.win_story: (30, 10, 60),
    PostKind.blog: (50, 45, 5),
    PostKind.collateral: (50, 45, 5),
    PostKind.update: (60, 30, 10),
    PostKind.question: (70, 30, 0),
}


# Planning: every word, author and date is decided up front from the seeded random
# generators, before anything touches the database.

T = TypeVar("T")
Follows = dict[str, list[str]]  # handle -> whom, which accounts or which topics they follow


def _weighted_sample(
    rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    """`k` distinct items, heavier ones more likely (Efraimidis-Spirakis keys)."""
    keyed = sorted(zip(items, weights, strict=True), key=lambda iw: -(rng.random() ** (1 / iw[1])))
    return [item for item, _ in keyed[:k]]


class _Deck:
    """Templates dealt without repeats until the deck runs out, then reshuffled, so that
    consecutive posts rarely read alike."""

    def __init__(self, rng: random.Random, cards: Sequence[str]) -> None:
        self._rng = rng
        self._cards = list(cards)
        self._pile: list[str] = []

    def draw(self) -> str:
        if not self._pile:
            self._pile = self._cards[:]
            self._rng.shuffle(self._pile)
        return self._pile.pop()


@dataclass
class _PostPlan:
    at: datetime
    author: str
    kind: PostKind
    title: str | None
    body: str
    group: str | None
    account: _Customer | None
    audience: frozenset[str]  # who may see it: commenters, reactors and mentions come from here


@dataclass
class _CommentPlan:
    at: datetime
    post: int  # index into the post plans
    author: str
    body: str
    parent: int | None  # index into the comment plans


@dataclass
class _ReactionPlan:
    at: datetime
    post: int
    user: str
    kind: ReactionKind


@dataclass
class _Plan:
    follows: Follows
    account_follows: Follows
    topic_follows: Follows
    posts: list[_PostPlan]
    comments: list[_CommentPlan]
    reactions: list[_ReactionPlan]


@dataclass
class _Context:
    """What the slots of one text may refer to."""

    writer: str
    audience: frozenset[str]
    account: _Customer | None
    comp: str
    post_author: str | None = None
    parent_author: str | None = None
    used: set[str] = field(default_factory=set)


class _Slots(dict[str, str]):
    def __init__(self, fill: Callable[[_Slots, str], str]) -> None:
        super().__init__()
        self._fill = fill

    def __missing__(self, key: str) -> str:
        value = self[key] = self._fill(self, key)
        return value


ARR_BY_TIER = {
    "SMB": (25, 60), "Mid-Market": (60, 180), "Enterprise": (150, 450), "Strategic": (300, 900)
}  # fmt: skip
TIER_WEIGHT = {"Strategic": 3.0, "Enterprise": 2.5, "Mid-Market": 1.5, "SMB": 1.0}
CHOICES: dict[str, Sequence[str]] = {
    "system": SYSTEMS, "idp": IDPS, "event": EVENTS, "city": CITIES, "webinar": WEBINARS,
    "role": ROLES, "worry": WORRIES, "feature": FEATURES, "term": TERMS,
}  # fmt: skip
NUMBERS = {
    "regs": (120, 480, 10), "attendees": (25, 90, 1), "days": (20, 75, 1), "weeks": (3, 9, 1),
    "users": (20, 300, 5), "pct": (12, 45, 1), "pct2": (3, 9, 1), "disc": (10, 28, 1),
    "seats": (8, 16, 1), "n": (2, 6, 1),
}  # fmt: skip
ROLE_POOLS = {
    "se": SOLUTIONS_ENGINEERS,
    "marketer": tuple(p.handle for p in PEOPLE if p.department is M),
    "cs": tuple(p.handle for p in PEOPLE if p.department is C),
    "pm": tuple(p.handle for p in PEOPLE if p.department is P),
    "dealdesk": (DEAL_DESK,),
    "legal": (LEGAL,),
    "security": (SECURITY,),
}


class _Writer:
    """Writes the posts, comments and reactions of the demo from templates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = {p.handle: p for p in PEOPLE}
        self.everyone = frozenset(self.people)
        self.public = [c for c in CUSTOMERS if not c.confidential]
        self.members = {g.slug: frozenset({g.creator, *g.members}) for g in GROUPS}
        self.private = {g.slug for g in GROUPS if g.private}
        self.decks: dict[str, _Deck] = {}
        # One blog per title, one piece of collateral per title, one win per account.
        self.blogs = list(BLOGS)
        self.collateral = list(COLLATERAL)
        self.unwon = [c.slug for c in self.public]
        for pool in (self.blogs, self.collateral, self.unwon):
            rng.shuffle(pool)

    def deck(self, name: str, cards: Sequence[str]) -> str:
        if name not in self.decks:
            self.decks[name] = _Deck(self.rng, cards)
        return self.decks[name].draw()

    # Who sees what

    def team(self, customer: _Customer) -> frozenset[str]:
        return frozenset({customer.owner, *customer.team})

    def audience(self, group: str | None, account: _Customer | None) -> frozenset[str]:
        seen = self.everyone
        if group in self.private:
            seen &= self.members[group]
        if account is not None and account.confidential:
            seen &= self.team(account) | {ADMIN}
        return seen

    def pick_account(self, author: str) -> _Customer:
        # Account executives talk about the accounts they own; everyone else (SEs, SDRs,
        # managers, marketing, CS) works across all of them.
        rng = self.rng
        owned = [c for c in CUSTOMERS if c.owner == author]
        if owned and self.people[author].department is S and rng.random() < 0.9:
            return rng.choice(owned)
        teams = [c for c in CUSTOMERS if author in c.team]
        if teams and rng.random() < 0.2:
            return rng.choice(teams)
        weights = [TIER_WEIGHT[c.tier] for c in self.public]
        return rng.choices(self.public, weights)[0]

    # Filling templates

    def fill(self, template: str, ctx: _Context) -> str:
        return template.format_map(_Slots(lambda slots, key: self.slot(slots, key, ctx)))

    def slot(self, slots: _Slots, key: str, ctx: _Context) -> str:
        rng = self.rng
        if key in CHOICES:
            return rng.choice(CHOICES[key])
        if key in NUMBERS:
            low, high, step = NUMBERS[key]
            return str(rng.randrange(low, high + 1, step))
        if key == "n2":
            return str(int(slots["n"]) + rng.randint(2, 5))
        if key == "arr":
            low, high = ARR_BY_TIER[ctx.account.tier if ctx.account else "Mid-Market"]
            return f"{rng.randrange(low, high + 1, 5)}k"
        if key == "comp":
            return ctx.comp
        if key == "comp_topic":
            return "#" + ctx.comp.lower()
        if key in ("acct", "acct_name", "industry", "owner"):
            if ctx.account is None:
                ctx.account = rng.choice(self.public)
            account = ctx.account
            if key == "acct":
                return "$" + account.slug
            if key == "acct_name":
                return account.name
            if key == "industry":
                return account.industry.lower()
            if account.owner != ctx.writer and account.owner in ctx.audience:
                ctx.used.add(account.owner)
                return "@" + account.owner
            return self.person(ctx, None)
        if key in ("acct2", "acct3"):
            taken = {ctx.account.slug if ctx.account else "", slots.get("acct2", "")[1:]}
            return "$" + rng.choice([c.slug for c in self.public if c.slug not in taken])
        if key == "author" and ctx.post_author:
            return "@" + ctx.post_author
        if key == "parent" and ctx.parent_author:
            return "@" + ctx.parent_author
        return self.person(ctx, ROLE_POOLS.get(key))

    def person(self, ctx: _Context, pool: Sequence[str] | None) -> str:
        """Mention someone who may see the text (mentioning others would notify nobody)."""
        candidates = [
            h
            for h in (pool or sorted(self.everyone))
            if h in ctx.audience and h != ctx.writer and h not in ctx.used
        ]
        if not candidates:
            return self.person(ctx, None) if pool else "the team"
        handle = self.rng.choice(candidates)
        ctx.used.add(handle)
        return "@" + handle

    def context(self, author: str, group: str | None, account: _Customer | None) -> _Context:
        return _Context(
            writer=author,
            audience=self.audience(group, account),
            account=account,
            comp=self.rng.choice(COMPETITORS),
        )

    # Posts

    def post(self, author: str, at: datetime) -> _PostPlan:
        department = self.people[author].department
        groups = [slug for slug, members in self.members.items() if author in members]
        if groups and self.rng.random() < 0.2:
            return self.group_post(author, self.rng.choice(groups), at)
        weights = KIND_WEIGHTS[department]
        kind = self.rng.choices(list(weights), list(weights.values()))[0]
        plan: _PostPlan | None = None
        if kind is PostKind.blog:
            plan = self.blog(author, at)
        elif kind is PostKind.collateral:
            plan = self.collateral_post(author, at)
        elif kind is PostKind.win_story:
            plan = self.win_story(author, at)
        elif kind is PostKind.question:
            account = self.pick_account(author)
            ctx = self.context(author, None, account)
            body = self.fill(self.deck("questions", QUESTIONS), ctx)
            plan = self.plan(at, ctx, PostKind.question, None, body, None)
        # Blogs, collateral and wins are one of a kind; once they are used up, people post
        # updates instead.
        return plan or self.update(author, at, None)

    def plan(
        self,
        at: datetime,
        ctx: _Context,
        kind: PostKind,
        title: str | None,
        body: str,
        group: str | None,
    ) -> _PostPlan:
        return _PostPlan(at, ctx.writer, kind, title, body, group, ctx.account, ctx.audience)

    def update(self, author: str, at: datetime, group: str | None) -> _PostPlan:
        department = self.people[author].department
        account = self.pick_account(author)
        ctx = self.context(author, group, account)
        if author in SDRS:
            parts = [self.deck("sdr", SDR_UPDATES)]
        elif department is S:
            parts = [
                self.deck("sales-openers", SALES_OPENERS),
                self.deck("sales-middles", SALES_MIDDLES),
            ]
            if self.rng.random() < 0.3:
                parts.append(self.deck("sales-middles", SALES_MIDDLES))
            parts.append(self.deck("sales-next", SALES_NEXT_STEPS))
        elif department is M:
            parts = [self.deck("marketing", MARKETING_UPDATES)]
        elif department is C:
            parts = [self.deck("cs", CS_UPDATES)]
        elif department is P:
            parts = [self.deck("product", PRODUCT_UPDATES)]
        elif department is L:
            parts = [self.deck("leadership", LEADERSHIP_UPDATES)]
        else:
            parts = [self.deck(f"ops-{author}", OPS_UPDATES[author])]
        # Filled as one text so that the slots agree across sentences; topics go last.
        body = _tags_last(self.fill("\n".join(p for p in parts if p), ctx).split("\n"))
        return self.plan(at, ctx, PostKind.update, None, body, group)

    def group_post(self, author: str, group: str, at: datetime) -> _PostPlan:
        if group not in GROUP_POSTS:
            return self.update(author, at, group)
        account = self.pick_account(author)
        ctx = self.context(author, group, account)
        body = self.fill(self.deck(group, GROUP_POSTS[group]), ctx)
        kind = PostKind.question if "?" in body else PostKind.update
        return self.plan(at, ctx, kind, None, body, group)

    def blog(self, author: str, at: datetime) -> _PostPlan | None:
        blog = next((b for b in self.blogs if author in b.authors), None)
        if blog is None:
            return None
        self.blogs.remove(blog)
        # A rep's blog draws on their own (public) accounts; it is meant for everyone.
        owned = [c for c in self.public if c.owner == author]
        ctx = self.context(author, None, self.rng.choice(owned or self.public))
        title, body = self.fill(blog.title, ctx), self.fill(blog.body, ctx)
        return self.plan(at, ctx, PostKind.blog, title, body, None)

    def collateral_post(self, author: str, at: datetime) -> _PostPlan | None:
        if not self.collateral:
            return None
        title, body = self.collateral.pop()
        ctx = self.context(author, None, self.rng.choice(self.public))
        return self.plan(
            at, ctx, PostKind.collateral, self.fill(title, ctx), self.fill(body, ctx), None
        )

    def win_story(self, author: str, at: datetime) -> _PostPlan | None:
        department = self.people[author].department
        owned = [s for s in self.unwon if _CUSTOMER[s].owner == author]
        candidates = owned if department is S else self.unwon
        if not candidates:
            return None
        slug = candidates[0]
        self.unwon.remove(slug)
        ctx = self.context(author, None, _CUSTOMER[slug])
        opener = self.rng.choice(WIN_OPENERS.get(department, WIN_OPENERS[L]))
        expansion = department is C
        body = "\n\n".join(
            (
                opener,
                f"**{'Why they expanded' if expansion else 'Why we won'}:** "
                + self.rng.choice(WIN_WHY),
                "**Who helped:** " + self.rng.choice(WIN_HELPERS),
                "**What marketing can use:** " + self.rng.choice(WIN_USE) + " #win",
            )
        )
        title = "{acct_name}: " + self.rng.choice(
            WIN_HEADLINES["expansion" if expansion else "new"]
        )
        return self.plan(
            at, ctx, PostKind.win_story, self.fill(title, ctx), self.fill(body, ctx), None
        )

    # Conversations

    def comments(
        self, index: int, post: _PostPlan, clock: random.Random, now: datetime
    ) -> list[_CommentPlan]:
        """Comments on one post, with replies, after the post and never in the future."""
        rng = self.rng
        others = sorted(post.audience - {post.author})
        if not others:
            return []
        count = rng.choice(COMMENT_COUNTS[post.kind])
        owner = post.account.owner if post.account else None
        weights = [3.0 if h == owner else self.affinity(post.author, h) for h in others]
        planned: list[_CommentPlan] = []
        for author in _weighted_sample(rng, others, weights, count):
            ctx = self.context(author, post.group, post.account)
            ctx.audience, ctx.post_author = post.audience, post.author
            ctx.used.add(post.author)
            body = self.fill(self.deck(f"comments-{post.kind}", COMMENTS[post.kind]), ctx)
            at = _later(clock, post.at, 4, 60 * 30)
            planned.append(_CommentPlan(at, index, author, body, None))
            if rng.random() < 0.3:
                replier = post.author if rng.random() < 0.6 else rng.choice(others)
                if replier == author:
                    replier = post.author
                ctx = self.context(replier, post.group, post.account)
                ctx.audience, ctx.parent_author = post.audience, author
                body = self.fill(self.deck("replies", REPLIES), ctx)
                # The parent's position is filled in by the caller, who numbers comments.
                planned.append(_CommentPlan(_later(clock, at, 3, 60 * 8), index, replier, body, -1))
        return [c for c in planned if c.at < now]

    def reactions(
        self, index: int, post: _PostPlan, clock: random.Random, now: datetime
    ) -> list[_ReactionPlan]:
        rng = self.rng
        low, high = REACTION_COUNTS[post.kind]
        kinds = REACTION_KINDS[post.kind]
        others = sorted(post.audience - {post.author})
        reactors = _weighted_sample(
            rng, others, [self.affinity(post.author, h) for h in others], rng.randint(low, high)
        )
        planned = []
        for user in reactors:
            chosen = rng.choices(list(ReactionKind), kinds, k=2 if rng.random() < 0.1 else 1)
            for kind in dict.fromkeys(chosen):
                planned.append(_ReactionPlan(_later(clock, post.at, 2, 60 * 48), index, user, kind))
        return [r for r in planned if r.at < now]

    def affinity(self, author: str, other: str) -> float:
        """People engage most with their own department, and sales with marketing."""
        a, b = self.people[author].department, self.people[other].department
        if a is b:
            return 3.0
        if {a, b} == {S, M}:
            return 2.5
        return 2.0 if L in (a, b) else 1.0


_CUSTOMER = {c.slug: c for c in CUSTOMERS}


_TRAILING_TAGS = re.compile(r"(?:\s+#[\w-]+)+$")


def _tags_last(sentences: Iterable[str]) -> str:
    """Sentences first, then all their #topics, the way people write a quick update."""
    text, tags = [], []
    for sentence in sentences:
        match = _TRAILING_TAGS.search(sentence)
        if match:
            tags.extend(match.group().split())
            sentence = sentence[: match.start()]
        text.append(sentence)
    return " ".join([*text, *dict.fromkeys(tags)])


def _later(clock: random.Random, after: datetime, low: float, high: float) -> datetime:
    """A moment `low` to `high` minutes after `after`, log-uniform: most replies come fast."""
    minutes = math.exp(clock.uniform(math.log(low), math.log(high)))
    return after + timedelta(minutes=minutes)


def _post_times(clock: random.Random, now: datetime, count: int) -> list[datetime]:
    """`count` moments over the last HISTORY_DAYS, mostly on weekday working hours and a
    little busier recently, in increasing order."""
    start = now - timedelta(days=HISTORY_DAYS)
    span = (now - start).total_seconds() - 15 * 60
    times: list[datetime] = []
    while len(times) < count:
        offset = clock.uniform(0, span)
        at = start + timedelta(seconds=offset)
        weight = 0.12 if at.weekday() >= 5 else 1.0
        weight *= 1.0 if 8 <= at.hour < 18 else 0.25 if 6 <= at.hour < 21 else 0.02
        weight *= 0.6 + 0.4 * offset / span
        if clock.random() < weight:
            times.append(at)
    return sorted(times)


def _follows(rng: random.Random, writer: _Writer) -> tuple[Follows, Follows, Follows]:
    """Whom, which accounts and which topics each person follows."""
    handles = [p.handle for p in PEOPLE]
    people: dict[str, list[str]] = {}
    accounts: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    public_big = [c.slug for c in writer.public if c.tier in ("Strategic", "Enterprise")]
    public = [c.slug for c in writer.public]
    for person in PEOPLE:
        me, department = person.handle, person.department
        others = [h for h in handles if h != me]
        weights = [writer.affinity(me, h) for h in others]
        people[me] = _weighted_sample(rng, others, weights, rng.randint(5, 15))
        mine = [c.slug for c in CUSTOMERS if me in writer.team(c)]
        if department is S:
            extra = rng.sample([s for s in public if s not in mine], rng.randint(1, 3))
        elif department in (M, L):
            extra = rng.sample(public_big, rng.randint(2, 7))
        elif department is C:
            extra = rng.sample(public, rng.randint(3, 6))
        else:
            extra = rng.sample(public, rng.randint(0, 3))
        accounts[me] = list(dict.fromkeys([*mine, *extra]))
        pool = TOPICS_BY_DEPARTMENT[department]
        topics[me] = rng.sample(pool, rng.randint(2, min(5, len(pool))))
    return people, accounts, topics


def _plan(now: datetime) -> _Plan:
    # Words come from `rng`, dates from `clock`: the words are then the same on every run,
    # whatever the time of day the demo is seeded.
    rng, clock = random.Random(SEED), random.Random(SEED + 1)
    writer = _Writer(rng)
    people, accounts, topics = _follows(rng, writer)
    authors = [p.handle for p in PEOPLE]
    activity = [p.activity * DEPARTMENT_ACTIVITY[p.department] for p in PEOPLE]
    plans = [
        writer.post(rng.choices(authors, activity)[0], at)
        for at in _post_times(clock, now, POST_COUNT)
    ]
    comments: list[_CommentPlan] = []
    reactions: list[_ReactionPlan] = []
    for index, post in enumerate(plans):
        for comment in writer.comments(index, post, clock, now):
            if comment.parent == -1:
                comment.parent = len(comments) - 1
            comments.append(comment)
        reactions.extend(writer.reactions(index, post, clock, now))
    return _Plan(people, accounts, topics, plans, comments, reactions)


# Writing it down, through the services.


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    progress: Callable[[str], None] = print,
) -> list[DemoLogin]:
    """Fill an empty database with the Northwind demo; do nothing if it is already there."""
    logins = demo_logins()
    admin_email = next(p.email for p in PEOPLE if p.handle == ADMIN)
    async with transaction(sessionmaker, write=False) as session:
        admin = await session.scalar(select(User).where(User.email == admin_email))
    if admin is not None:
        if admin.password_hash is None:
            # The admin's password is the last thing written (see `_finish`), so a demo
            # user without one means an earlier run stopped half-way.
            raise RuntimeError(
                "An earlier demo seeding stopped before it finished; "
                "start again from an empty database."
            )
        progress("demo data already present")
        return logins

    started = time.perf_counter()
    now = utcnow()
    plan = _plan(now)
    # Argon2 is deliberately slow: hash once and share the hash between all demo users.
    password_hash = hash_password(DEMO_PASSWORD)
    people, customers = await _setup(sessionmaker, now, password_hash, progress)
    viewers = await _follow(sessionmaker, plan, people, customers, now, progress)
    await _timeline(sessionmaker, plan, people, viewers, progress)
    await _finish(sessionmaker, people, password_hash, now)
    progress(f"seeding: done in {time.perf_counter() - started:.1f} s")
    return logins


async def _setup(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    password_hash: str,
    progress: Callable[[str], None],
) -> tuple[dict[str, User], dict[str, Account]]:
    """People, accounts with their teams, and groups with their members."""
    # The company existed before the two months of history: people joined over four years,
    # accounts came from the CRM, groups were set up a while ago.
    clock = random.Random(SEED + 2)
    people: dict[str, User] = {}
    async with transaction(sessionmaker) as session:
        for person in PEOPLE:
            user = await users.create(
                session,
                data=UserCreate(
                    email=person.email,
                    display_name=person.name,
                    handle=person.handle,
                    department=person.department,
                    role=Role.admin if person.handle == ADMIN else Role.member,
                    title=person.title,
                    bio=person.bio,
                ),
            )
            # The admin gets its password last: it marks a finished seeding.
            user.password_hash = None if person.handle == ADMIN else password_hash
            user.created_at = now - timedelta(days=clock.uniform(HISTORY_DAYS + 30, 4 * 365))
            people[person.handle] = user
        admin = people[ADMIN]
        customers: dict[str, Account] = {}
        for customer in CUSTOMERS:
            account = await accounts.create(
                session,
                creator=admin,
                data=AccountCreate(
                    name=customer.name,
                    slug=customer.slug,
                    domain=customer.domain,
                    industry=customer.industry,
                    tier=customer.tier,
                    owner_handle=customer.owner,
                    crm_id=customer.crm_id,
                    confidential=customer.confidential,
                ),
            )
            account.created_at = account.updated_at = now - timedelta(
                days=clock.uniform(HISTORY_DAYS + 10, 2 * 365)
            )
            for handle in customer.team:
                await accounts.add_to_team(session, actor=admin, account=account, handle=handle)
            customers[customer.slug] = account
        for spec in GROUPS:
            creator = people[spec.creator]
            group = await groups.create(
                session,
                creator=creator,
                data=GroupCreate(name=spec.name, slug=spec.slug, private=spec.private),
            )
            group.created_at = now - timedelta(days=clock.uniform(HISTORY_DAYS + 5, 400))
            # Members join public groups themselves; the creator adds them to a private one.
            viewer = await load_viewer(session, creator)
            for handle in spec.members:
                member = people[handle]
                actor = creator if spec.private else member
                await groups.add_member(
                    session,
                    actor=actor,
                    viewer=viewer if spec.private else await load_viewer(session, member),
                    group=group,
                    handle=handle,
                )
        await session.flush()
    progress(f"seeding: {len(people)} people, {len(customers)} accounts, {len(GROUPS)} groups")
    return people, customers


async def _follow(
    sessionmaker: async_sessionmaker[AsyncSession],
    plan: _Plan,
    people: dict[str, User],
    customers: dict[str, Account],
    now: datetime,
    progress: Callable[[str], None],
) -> dict[str, Viewer]:
    """Who follows whom, which accounts and topics; returns everyone's viewer for posting."""
    clock = random.Random(SEED + 3)
    pairs = [(people[h], people[o]) for h, followees in plan.follows.items() for o in followees]
    # Following happened in the weeks before the two months of posts, not at seeding time,
    # and in the order the rows (and their notifications) are written.
    start = now - timedelta(days=HISTORY_DAYS + 21)
    times = sorted(start + timedelta(days=clock.uniform(0, 20)) for _ in pairs)
    async with transaction(sessionmaker) as session:
        for follower, followee in pairs:
            await follows.follow_user(session, follower=follower, followee=followee)
        stamps = [
            {"follower_id": follower.id, "followee_id": followee.id, "created_at": at}
            for (follower, followee), at in zip(pairs, times, strict=True)
        ]
        await session.execute(update(UserFollow), stamps)
        count = len(pairs)
        for handle, slugs in plan.account_follows.items():
            for slug in slugs:
                await follows.follow_account(session, user=people[handle], account=customers[slug])
                count += 1
        for handle, names in plan.topic_follows.items():
            for name in names:
                await follows.follow_topic(session, user=people[handle], name=name)
                count += 1
        viewers = await load_viewers(session, list(people.values()))
    progress(f"seeding: {count} follows")
    by_id = {v.id: v for v in viewers.values()}
    return {handle: by_id[user.id] for handle, user in people.items()}


_POST, _COMMENT, _REACTION = 0, 1, 2


async def _timeline(
    sessionmaker: async_sessionmaker[AsyncSession],
    plan: _Plan,
    people: dict[str, User],
    viewers: dict[str, Viewer],
    progress: Callable[[str], None],
) -> None:
    """Posts, comments and reactions in the order they happened, so that ids grow with
    time (feeds and comment lists sort by id) and a comment always follows its post."""
    events: list[tuple[datetime, int, int]] = [
        *((p.at, _POST, i) for i, p in enumerate(plan.posts)),
        *((c.at, _COMMENT, i) for i, c in enumerate(plan.comments)),
        *((r.at, _REACTION, i) for i, r in enumerate(plan.reactions)),
    ]
    events.sort()
    created: list[Post | None] = [None] * len(plan.posts)
    comment_ids: list[int | None] = [None] * len(plan.comments)
    done = {"posts": 0, "comments": 0, "reactions": 0}
    position = 0
    while position < len(events):
        async with transaction(sessionmaker) as session:
            post_stamps: list[dict[str, object]] = []
            comment_stamps: list[dict[str, object]] = []
            reaction_stamps: list[dict[str, object]] = []
            chunk_posts = 0
            # The comments and reactions after the last post belong to the last transaction.
            while position < len(events) and (
                chunk_posts < POSTS_PER_TRANSACTION or done["posts"] == len(plan.posts)
            ):
                at, what, index = events[position]
                position += 1
                if what == _POST:
                    p = plan.posts[index]
                    read = await posts.create(
                        session,
                        author=people[p.author],
                        viewer=viewers[p.author],
                        data=PostCreate(kind=p.kind, title=p.title, body=p.body, group=p.group),
                    )
                    post = await session.get_one(Post, read.id)  # in the identity map
                    created[index] = post
                    # Out of the identity map: the services' counter UPDATEs synchronise
                    # every Post in it, which would get slower with each post written.
                    session.expunge(post)
                    post_stamps.append({"id": post.id, "created_at": at, "updated_at": at})
                    chunk_posts += 1
                    done["posts"] += 1
                elif what == _COMMENT:
                    c = plan.comments[index]
                    target = created[c.post]
                    assert target is not None  # posts come before their comments
                    comment = await posts.add_comment(
                        session,
                        author=people[c.author],
                        viewer=viewers[c.author],
                        post=target,
                        data=CommentCreate(
                            body=c.body,
                            parent_id=comment_ids[c.parent] if c.parent is not None else None,
                        ),
                    )
                    comment_ids[index] = comment.id
                    comment_stamps.append({"id": comment.id, "created_at": at, "updated_at": at})
                    done["comments"] += 1
                else:
                    r = plan.reactions[index]
                    target = created[r.post]
                    assert target is not None
                    user = people[r.user]
                    await posts.react(session, user=user, post=target, kind=r.kind)
                    reaction_stamps.append(
                        {
                            "post_id": target.id,
                            "user_id": user.id,
                            "kind": r.kind.value,
                            "created_at": at,
                        }
                    )
                    done["reactions"] += 1
            # The services stamp everything "now"; move it to when it happened in the story.
            for model, stamps in (
                (Post, post_stamps),
                (Comment, comment_stamps),
                (Reaction, reaction_stamps),
            ):
                if stamps:
                    await session.execute(update(model), stamps)
        progress(
            f"seeding: posts {done['posts']}/{len(plan.posts)} "
            f"({done['comments']} comments, {done['reactions']} reactions)"
        )


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    people: dict[str, User],
    password_hash: str,
    now: datetime,
) -> None:
    """Date the notifications like the events behind them, read all but the recent ones,
    and give the admin a password, which marks the seeding as complete."""
    n = Notification
    ours = n.user_id.in_([u.id for u in people.values()])
    when = {
        NotificationKind.follow: select(UserFollow.created_at).where(
            UserFollow.follower_id == n.actor_id, UserFollow.followee_id == n.user_id
        ),
        NotificationKind.reaction: select(func.min(Reaction.created_at)).where(
            Reaction.post_id == n.post_id, Reaction.user_id == n.actor_id
        ),
    }
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(n)
            .where(ours, n.comment_id.is_not(None))
            .values(
                created_at=select(Comment.created_at)
                .where(Comment.id == n.comment_id)
                .scalar_subquery()
            )
        )
        await session.execute(
            update(n)
            .where(
                ours,
                n.comment_id.is_(None),
                n.kind.in_([NotificationKind.mention.value, NotificationKind.account_post.value]),
            )
            .values(
                created_at=select(Post.created_at).where(Post.id == n.post_id).scalar_subquery()
            )
        )
        for kind, stmt in when.items():
            await session.execute(
                update(n)
                .where(ours, n.comment_id.is_(None), n.kind == kind.value)
                .values(created_at=stmt.scalar_subquery())
            )
        # Everyone has kept up with their notifications except for the last week's.
        await session.execute(
            update(n)
            .where(ours, n.created_at < now - timedelta(days=7))
            .values(read_at=n.created_at)
        )
        await session.execute(
            update(User).where(User.id == people[ADMIN].id).values(password_hash=password_hash)
        )
