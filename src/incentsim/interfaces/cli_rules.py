"""``incentsim rules``: the promotion rules and accountability mechanisms of the registry,
each with its description and source (``--parameters``: every behavioural number)."""

from __future__ import annotations


def add_command(sub) -> None:
    """The ``rules`` command: the registry of rules and mechanisms."""
    p = sub.add_parser(
        "rules",
        help="promotion rules and accountability mechanisms",
        description="Every promotion rule and mechanism in the registry with "
        "its description and source.",
    )
    p.add_argument(
        "--parameters",
        action="store_true",
        help="list every behavioural number instead (economy, behaviour: default, "
        "bounds, meaning, unit, source) and which promotion parameters "
        "belong to which rule",
    )
    p.set_defaults(func=cmd_rules)


def cmd_rules(args) -> int:
    """``incentsim rules``: the registered promotion rules and mechanisms (or every parameter)."""
    from incentsim.rules.accountability import MECHANISMS
    from incentsim.rules.promotion import PROMOTION_RULES

    if getattr(args, "parameters", False):
        from incentsim.rules.catalog import behavioural_numbers

        print("\n".join(behavioural_numbers()))
        return 0

    for title, reg in (
        ("Promotion rules (promotion.rule)", PROMOTION_RULES),
        ("Accountability mechanisms (accountability.<name>)", MECHANISMS),
    ):
        print(title)
        for cls in reg:
            print(f"  {cls.name:<36} {cls.description}")
            print(f"  {'':<36} source: {cls.source}")
        print()
    print(
        "Behavioural numbers (economy, behaviour) and rule-specific promotion parameters: "
        "incentsim rules --parameters"
    )
    return 0
