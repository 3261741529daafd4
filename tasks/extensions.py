"""What other apps add to the plan's pages, without tasks importing them.

Apps above tasks (progress, supervision, brands) register here in their
AppConfig.ready(); the plan pages ask here and render what they get:

- item panels: a part of the item page (its template, the data it loads, the
  actions it offers at the top, and the events it adds to the item's history);
- section links: links shown under a section on the plan page and the dashboard;
- item figures: the official progress of each item, for the plan page's list;
- set-up panels: a part of the plan's set-up page (supervision: the named summary reports);
- checkpoint states: whether each checkpoint (节点) is met, missed or still ahead — the
  rule and the reports it reads are progress's.

A panel loads its own data in a fixed number of queries; `overrides` carries a
refused form back to the panel that owns it (the item page shown again with the
form's messages).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TimelineEvent:
    """One line of an item's history (留痕): who did what, when."""

    at: datetime.datetime
    actor: object | None  # a user; None for the system
    kind: str  # report, review, instruction, reply, change, …
    text: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    primary: bool = False  # drawn as the page's main button
    kind: str = ""  # who offers it, for the page's styles (brands -> class "brands-link")


@dataclass
class PanelContent:
    context: dict
    actions: list[Link] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)


@dataclass(frozen=True)
class ItemPanel:
    name: str
    template: str
    order: int
    # (request, item, overrides) -> PanelContent; the item comes with its section, plan,
    # responsibilities and targets loaded.
    load: Callable[..., PanelContent]
    slot: str = "body"  # "head": inside the item's card, under its title; "body": below the card


@dataclass(frozen=True)
class ItemFigure:
    """What a list shows of an item's official progress: the figure, its light, and when it was computed."""

    percent: object  # a number, or None before the first computation
    light: str = ""
    light_label: str = ""
    computed_at: datetime.datetime | None = None


_item_panels: dict[str, ItemPanel] = {}
_section_link_sources: dict[str, Callable] = {}
_item_figure_source: list[Callable] = []
_checkpoint_state_source: list[Callable] = []


def register_item_panel(panel: ItemPanel) -> None:
    _item_panels[panel.name] = panel  # by name: registering again (tests, reloads) replaces


def item_panels() -> list[ItemPanel]:
    return sorted(_item_panels.values(), key=lambda panel: (panel.order, panel.name))


def register_section_links(name: str, source: Callable) -> None:
    """`source(plan) -> {section id: [Link]}`, asked once per page."""
    _section_link_sources[name] = source


def section_links(plan) -> dict[int, list[Link]]:
    links: dict[int, list[Link]] = {}
    for _name, source in sorted(_section_link_sources.items()):
        for section_id, found in source(plan).items():
            links.setdefault(section_id, []).extend(found)
    return links


def register_item_figures(source: Callable) -> None:
    """`source(plan, item_ids) -> {item id: ItemFigure}`, asked once per page (item_ids None: every item of
    the plan; else those shown); one app (progress) gives the figures."""
    _item_figure_source[:] = [source]


def item_figures(plan, item_ids=None) -> dict[int, ItemFigure]:
    return _item_figure_source[0](plan, item_ids) if _item_figure_source else {}


MET, MISSED, UPCOMING = "met", "missed", "upcoming"  # the values a checkpoint-state source answers


def register_checkpoint_states(source: Callable) -> None:
    """`source(item_ids) -> {checkpoint id: MET | MISSED | UPCOMING}`, in a fixed number of queries."""
    _checkpoint_state_source[:] = [source]


def checkpoint_states(item_ids) -> dict[int, str]:
    return _checkpoint_state_source[0](item_ids) if _checkpoint_state_source else {}


@dataclass(frozen=True)
class SetupPanel:
    name: str
    template: str
    order: int
    load: Callable[..., dict]  # (request, plan, overrides) -> the template's context


_setup_panels: dict[str, SetupPanel] = {}


def register_setup_panel(panel: SetupPanel) -> None:
    _setup_panels[panel.name] = panel


def setup_panels() -> list[SetupPanel]:
    return sorted(_setup_panels.values(), key=lambda panel: (panel.order, panel.name))
