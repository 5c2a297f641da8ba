"""Ensembles: many (scenario, seed) runs stepped as one population (issue 16).

::

    from incentsim.ensemble import simulate_ensemble
    results = simulate_ensemble([("configs/gdp_tournament.yaml", s) for s in range(20)])

:func:`simulate_ensemble` validates every member before anything runs, groups the
members the model can step together (:func:`group_key`), splits a group whose
memory would not fit (:func:`plan`, from the :mod:`incentsim.sizes` estimates) and
steps each group with :func:`run_group`. Results come back in member order, and a
member's result equals the same ``(scenario, seed)`` run alone with
:func:`incentsim.simulate`, bit for bit, whatever the grouping.

:func:`run_group` is the one place that steps a group: members that differ at most in
the parameters of :data:`incentsim.varying.VARYING` (any seeds) are stepped together as
one vectorised population (an :class:`~incentsim.model.IncentModel` of several members,
:func:`vector_key`); members differing in anything else are stepped as separate models,
one after another.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from incentsim.api import SimulationResult, default_scenario_path, run_members
from incentsim.errors import ScenarioError
from incentsim.runs.ranges import check_seed
from incentsim.scenario import Scenario, load_scenario
from incentsim.sizes import MAX_MEMORY_BYTES, memory_needs
from incentsim.varying import shared_part

#: a scenario as :func:`incentsim.simulate` accepts it (``None``: the default scenario)
ScenarioLike = str | Path | Mapping[str, Any] | Scenario | None
#: ``progress(done, total)`` in member-years
Progress = Callable[[int, int], None]


def resolve(members: Iterable[tuple[ScenarioLike, int]]) -> list[tuple[Scenario, int]]:
    """Every member validated as ``(Scenario, seed)``; one :class:`ScenarioError`
    naming each bad member (``members[3].tenure.term_length: ...``) before anything runs.
    Members given the same scenario object get the same :class:`Scenario` (loaded once)."""
    out: list[tuple[Scenario, int]] = []
    problems: list[tuple[str, str]] = []
    # the model knows members sharing a Scenario share every field; the input is kept
    # so its id stays unique
    loaded: dict[int, tuple[Any, Scenario]] = {}
    for i, member in enumerate(members):
        try:
            scenario, seed = member
        except (TypeError, ValueError):
            problems.append((f"members[{i}]", "must be a (scenario, seed) pair"))
            continue
        try:
            seed = check_seed(seed, what=f"members[{i}].seed")
            if id(scenario) not in loaded:
                path = scenario if scenario is not None else default_scenario_path()
                loaded[id(scenario)] = (scenario, load_scenario(path))
            sc = loaded[id(scenario)][1]
        except ScenarioError as exc:
            problems.extend((f"members[{i}].{p}", m) for p, m in exc.problems)
            continue
        out.append((sc, seed))
    if problems:
        raise ScenarioError(problems)
    return out


def group_key(scenario: Scenario) -> Hashable:
    """What members must share to be stepped together: the world's sizes and horizon
    and the number of candidate plans (the shapes of the columnar state). Members
    with equal keys may differ in every other parameter and lever."""
    world = scenario.world.model_dump(exclude={"scale"})  # the preset's name is only a label
    return (tuple(sorted(world.items())), scenario.behaviour.n_candidates)


def member_memory(scenario: Scenario) -> int:
    """Estimated peak bytes one member adds to a group (:func:`incentsim.sizes.memory_needs`)."""
    return sum(memory_needs(scenario.world, scenario.behaviour.n_candidates).values())


def member_agents(scenario: Scenario) -> int:
    """Firms and citizens of one member (those the population steps update each year)."""
    w = scenario.world
    per_prefecture = w.firms_per_prefecture + w.citizens_per_prefecture
    return w.n_provinces * w.prefectures_per_province * per_prefecture


def memory_budget() -> int:
    """Bytes one group may use: half the memory available now (``MemAvailable``: free
    memory and reclaimable caches), at most :data:`incentsim.sizes.MAX_MEMORY_BYTES`
    (what one simulation may need)."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        pass
    if available is None:
        return MAX_MEMORY_BYTES
    return max(1, min(MAX_MEMORY_BYTES, available // 2))


def plan(
    scenarios: Sequence[Scenario],
    budget: int | None = None,
    max_size: int | None = None,
    max_agents: int | None = None,
) -> list[list[int]]:
    """Member indices in groups: equal :func:`group_key`, in order of first appearance,
    each group cut into consecutive sub-groups of at most ``max_size`` members whose
    :func:`member_memory` sums to at most ``budget`` (default :func:`memory_budget`)
    and whose :func:`member_agents` sum to at most ``max_agents`` (if given). A member
    alone above either is a group of its own (validation already refused any simulation
    that cannot fit), never an error."""
    budget = memory_budget() if budget is None else budget
    by_key: dict[Hashable, list[int]] = {}
    for i, sc in enumerate(scenarios):
        by_key.setdefault(group_key(sc), []).append(i)
    groups: list[list[int]] = []
    for idx in by_key.values():
        first = scenarios[idx[0]]
        size = min(budget // max(1, member_memory(first)), max_size or len(idx))
        if max_agents is not None:
            size = min(size, max_agents // member_agents(first))
        size = max(1, size)
        groups.extend(idx[i : i + size] for i in range(0, len(idx), size))
    return groups


def run_group(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    progress: Progress | None = None,
    *,
    started: Callable[[int], None] | None = None,
    finished: Callable[[int, SimulationResult], None] | None = None,
) -> list[SimulationResult]:
    """Step one group of validated members (equal :func:`group_key`) and return their
    results in order. ``progress(done, total)`` counts member-years of the group;
    ``started(j)`` is called for every member before the first year and
    ``finished(j, result)`` for every member after the last (tracked batches store each
    run then: :mod:`incentsim.runs.tracking`).

    Members with the same :func:`vector_key` (any seeds; differing at most in the
    parameters of :data:`incentsim.varying.VARYING`) are stepped together as one
    :class:`~incentsim.model.IncentModel` of several members, each drawing from its own
    streams and reading its own parameters, so each equals its run alone bit for bit;
    each result's ``scenario`` is its member's own.
    """
    total = sum(sc.world.burn_in + sc.world.horizon for sc in scenarios)
    by_key: dict[Hashable, list[int]] = {}
    keys: dict[int, Hashable] = {}  # members sharing a scenario object share its key
    for j, sc in enumerate(scenarios):
        if id(sc) not in keys:
            keys[id(sc)] = vector_key(sc)
        by_key.setdefault(keys[id(sc)], []).append(j)
    out: dict[int, SimulationResult] = {}
    done = 0
    for idx in by_key.values():
        sc = scenarios[idx[0]]
        years = sc.world.burn_in + sc.world.horizon
        for j in idx:
            if started is not None:
                started(j)
        step = _offset(progress, done, total) if progress else None
        members = [seeds[j] for j in idx]
        own = [scenarios[j] for j in idx]
        for m, res in enumerate(run_members(own, members, _scaled(step, len(idx)))):
            out[idx[m]] = res
            if finished is not None:
                finished(idx[m], res)
        done += years * len(idx)
    return [out[j] for j in range(len(scenarios))]


def vector_key(scenario: Scenario) -> Hashable:
    """What members must share to be stepped as one model (:func:`run_group`): every
    field but the labels and those of :data:`incentsim.varying.VARYING`
    (:func:`incentsim.varying.shared_part`). Members may differ in most numbers of the
    economy (not the citizens' own nor the firms' capital share and user cost), the
    leaders' and firms' behaviour, the promotion rule's numbers, every tenure number,
    and the mechanisms' intensities, weights, strengths and costs; they share the world,
    the promotion rule and its vetoes, the set of mechanisms in force, the citizens'
    parameters, the reforms' roll-out years and everything else."""
    return shared_part(scenario)


def _scaled(progress: Progress | None, members: int) -> Progress | None:
    """``progress`` counting the years of ``members`` members stepped together."""
    if progress is None:
        return None
    return lambda years, total: progress(members * years, members * total)


def _offset(progress: Progress, done: int, total: int) -> Progress:
    """``progress`` for a part of a larger count: ``done`` years before it, ``total`` in all."""
    return lambda years, _n: progress(done + years, total)


class _HookError(Exception):
    """An exception raised by a caller's hook: the caller's to handle, no member's."""


def _hook(fn: Callable[..., None] | None, *args: Any) -> None:
    if fn is not None:
        try:
            fn(*args)
        except Exception as exc:
            raise _HookError() from exc


def _hooked(progress: Progress) -> Progress:
    """``progress`` whose exceptions are the caller's (``KeyboardInterrupt`` passes)."""
    return lambda done, total: _hook(progress, done, total)


def _years(sc: Scenario) -> int:
    return sc.world.burn_in + sc.world.horizon


def step_members(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    progress: Progress | None = None,
    *,
    started: Callable[[int], None] | None = None,
    finished: Callable[[int, SimulationResult], None] | None = None,
    failed: Callable[[int, Exception], None] | None = None,
    max_size: int | None = None,
) -> None:
    """Step validated members in the groups of :func:`plan` (at most ``max_size`` each),
    with :func:`run_group`; the hooks get member indices: ``started(i)``,
    ``finished(i, result)`` as soon as member ``i`` is done, ``failed(i, exc)``.

    An exception raised while stepping is charged to the member in flight,
    ``failed(i, exc)``; when several were in flight (a vectorised group), each is
    stepped again alone (``started`` is called again) to find which. Without
    ``failed``, an exception propagates, and so do ``KeyboardInterrupt`` and the
    exceptions of the hooks and of ``progress``. ``progress(done, total)`` counts the
    member-years of all the members.
    """
    total = sum(_years(sc) for sc in scenarios)
    done = 0
    hooks = (started, finished, failed)
    for idx in plan(scenarios, max_size=max_size):
        step = _offset(_hooked(progress), done, total) if progress is not None else None
        _step_group(idx, scenarios, seeds, step, hooks)
        done += sum(_years(scenarios[i]) for i in idx)


def _step_group(idx, scenarios, seeds, progress, hooks) -> None:
    """:func:`step_members` for one group ``idx``: until every member finished or failed."""
    started, finished, failed = hooks
    settled: set[int] = set()
    pending = list(idx)
    while pending:
        group, live = list(pending), set[int]()

        def on_start(j: int, group: list[int] = group, live: set[int] = live) -> None:
            live.add(group[j])
            _hook(started, group[j])

        def on_finish(
            j: int, res: SimulationResult, group: list[int] = group, live: set[int] = live
        ) -> None:
            settled.add(group[j])
            live.discard(group[j])
            _hook(finished, group[j], res)

        try:
            sub = [scenarios[i] for i in group]
            run_group(
                sub, [seeds[i] for i in group], progress, started=on_start, finished=on_finish
            )
        except _HookError as exc:
            assert exc.__cause__ is not None
            raise exc.__cause__ from None
        except Exception as exc:
            if failed is None or not live:
                raise
            if len(live) == 1:
                (i,) = live
                settled.add(i)
                failed(i, exc)
            else:
                for i in sorted(live):
                    _step_group([i], scenarios, seeds, progress, hooks)
                    settled.add(i)
        pending = [i for i in group if i not in settled]


def simulate_ensemble(
    members: Iterable[tuple[ScenarioLike, int]], progress: Progress | None = None
) -> list[SimulationResult]:
    """Run every ``(scenario, seed)`` member; results in member order, each equal to
    :func:`incentsim.simulate` of that member alone.

    ``scenario`` is anything :func:`incentsim.simulate` accepts. Every member is
    validated before anything runs (:class:`ScenarioError` naming the members).
    ``progress(done, total)``, if given, is called after each simulated year with
    the member-years done and in all.
    """
    resolved = resolve(members)
    out: dict[int, SimulationResult] = {}
    step_members(
        [sc for sc, _ in resolved],
        [seed for _, seed in resolved],
        progress,
        finished=out.__setitem__,
    )
    return [out[i] for i in range(len(resolved))]
