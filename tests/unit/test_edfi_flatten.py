"""Flattening an element by its shape's cached plan gives what walking its children gives."""

from __future__ import annotations

import random
from typing import Any

from lxml import etree

from connectors.edfi import xmlfile
from connectors.edfi.descriptors import tables
from connectors.edfi.view import View

NS = "http://ed-fi.org/5.2.0"


def _walk(element: Any, namespace: str) -> dict[str, str | None]:
    """The plain definition: every leaf's path below the element, the first of each path."""
    out: dict[str, str | None] = {}
    cut = len(namespace) + 2 if namespace else 0

    def walk(parent: Any, prefix: str) -> None:
        for child in parent:
            path = prefix + child.tag[cut:]
            if len(child):
                walk(child, path + "/")
            elif path not in out:
                out[path] = child.text

    walk(element, "")
    return out


def _element(rnd: random.Random, namespace: str, depth: int = 0) -> str:
    names = ["A", "B", "Name", "Code"]  # few names: repeated paths and same-named levels occur
    parts = []
    for _ in range(rnd.randint(0, 4 if depth < 3 else 0)):
        name = rnd.choice(names)
        kind = rnd.random()
        if kind < 0.4 and depth < 3:
            inner = _element(rnd, namespace, depth + 1)
            parts.append(f"<{name}>\n  {inner}</{name}>")
        elif kind < 0.55:
            parts.append(f"<{name}/>")
        else:
            parts.append(f"<{name}> {rnd.choice(['x', '7', 'Ünï', ''])} </{name}>")
    return "".join(parts)


def flatten(element: Any, namespace: str) -> dict[str, str | None]:
    paths, texts, _ = xmlfile.flatten_shaped(element, namespace)
    return dict(zip(paths, texts, strict=True))


def test_matches_the_plain_walk_on_random_elements_of_both_namespaces() -> None:
    rnd = random.Random(7)
    distinct = set()
    for n in range(3000):
        namespace = NS if n % 3 else ""
        attribute = f' xmlns="{namespace}"' if namespace else ""
        element = etree.fromstring(f"<Top{attribute}>{_element(rnd, namespace)}</Top>")
        got = flatten(element, namespace)
        assert got == _walk(element, namespace)
        assert list(got) == list(_walk(element, namespace))
        distinct.add(etree.tostring(element))
    assert len(distinct) > 500  # many elements, many of them sharing a shape with other texts


def test_same_shape_other_texts() -> None:
    first = etree.fromstring(f'<S xmlns="{NS}"><Name><First>Ana</First><Last>Ruiz</Last></Name><Id>1</Id></S>')
    second = etree.fromstring(f'<S xmlns="{NS}"><Name><First>Luz</First><Last>Paz</Last></Name><Id>2</Id></S>')
    assert flatten(first, NS) == {"Name/First": "Ana", "Name/Last": "Ruiz", "Id": "1"}
    assert flatten(second, NS) == {"Name/First": "Luz", "Name/Last": "Paz", "Id": "2"}
    # The same tags nested differently are another shape.
    third = etree.fromstring(f'<S xmlns="{NS}"><Name><First>Eva</First></Name><Last>Sol</Last><Id>3</Id></S>')
    assert flatten(third, NS) == {"Name/First": "Eva", "Last": "Sol", "Id": "3"}


def _counts(element: Any, namespace: str) -> dict[str, int]:
    """The plain definition: how many elements below ``element`` have each path."""
    out: dict[str, int] = {}
    cut = len(namespace) + 2 if namespace else 0

    def walk(parent: Any, prefix: str) -> None:
        for child in parent:
            path = prefix + child.tag[cut:]
            out[path] = out.get(path, 0) + 1
            walk(child, path + "/")

    walk(element, "")
    return out


def test_counts_and_first_children_match_the_plain_reading() -> None:
    # View.first reads the only child of a name from the element's own leaves: it must give what a
    # View of that child gives (texts, counts), and None when there is no such child.
    rnd = random.Random(11)
    for n in range(2000):
        namespace = NS if n % 2 else ""
        attribute = f' xmlns="{namespace}"' if namespace else ""
        element = etree.fromstring(f"<Top{attribute}>{_element(rnd, namespace)}</Top>")
        counts = xmlfile.flatten_shaped(element, namespace)[2]
        assert counts == _counts(element, namespace)
        assert flatten(element, namespace) == _walk(element, namespace)
        view = View(element, xmlfile.Paths(namespace), tables())
        for name in ("A", "B", "Name", "Code"):
            first = view.first(name)
            children = element.findall(xmlfile.Paths(namespace)(name))
            if not children:
                assert first is None
                continue
            assert first is not None
            plain = view.child(children[0])
            assert first.texts == plain.texts
            assert first.counts == plain.counts
            assert first.text("A", "B", "Code") == plain.text("A", "B", "Code")
