"""The words the benchmark sites are written in: shared by bench/search.py and
bench/generate_large_site.py so that both search the same kind of text. Free of Django."""

# Six domains of practice; each community talks mostly about its own (as real ones do), and
# within a domain a few words are common and most are rare (Zipf-like), so a query matches a
# realistic share of the posts rather than a third of everything.
DOMAINS = [
    "water borehole pump maintenance groundwater recharge sand dam chlorine dosing latrine sanitation hygiene "
    "quality testing meter tariff utility pipeline leak handpump spring catchment",
    "budget execution procurement delays treasury audit payroll arrears revenue forecast reporting ledger "
    "cash commitment controls tender contract invoices reconciliation transfers grants",
    "health clinic vaccination workers supervision outreach malaria maternal referral stock medicines "
    "nurses training records surveillance cholera nutrition screening transport cold",
    "drought flood irrigation soil farmers insurance seeds harvest livestock rainfall forecast extension "
    "cooperative storage market credit terraces compost pests",
    "heat resilience planning shelters evacuation warning drainage zoning informal settlements mapping "
    "volunteers hazard budget trees cooling insurance risk retrofit",
    "logistics warehouse supply chain fleet customs tracking inventory convoy fuel routes pallets "
    "procurement donors manifests drivers distribution cold stock",
]
FILLER = (
    "we tried this in our district and it worked after the team changed how they report results each month "
    "with local partners but costs rose when staff left so next year plan to share data openly across regions "
    "what would you do about it has anyone seen a good example of that in practice here"
).split()
