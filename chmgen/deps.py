"""What each page read while it rendered: the dependency graph of incremental builds.

While a page renders, every input it touches is noted as a *token*; after the build each token
gets a *signature* (a hash of the input's current value). A later build — or ``chmgen serve``
after an edit — re-renders exactly the pages with a token whose signature changed.

Tokens:

``("g",)``                 everything every page uses: configuration, menu, sections, theme
                            assets, central CHM records, build date, chmgen version
``("p", lang, key)``       the page's own plan (its record included)
``("t", name)``            a template's source (the page's template and what it extends,
                            includes and imports)
``("l", lang)``            the theme's translations of a language
``("r", identity)``        one record's value (read by a template, or passed to a helper)
``("c", collection)``      which records a collection holds, in which order (a template
                            iterated it: the records it then read are tokens of their own)
``("a", collection)``      every value of a collection (Python code scanned it)
``("q", name, *args)``     the result of a site query (``Site.items_for_target`` …)

Records are recognised by type (``RECORD_TYPES``, filled in by ``chmgen.model``); reads are seen
through the Jinja environment (``TrackingEnvironment``), ``Content.__getattribute__`` and the
``query`` decorator. Untracked Python code that reads the content goes through ``Content``'s
attributes and is recorded as ``("a", …)``: coarse, never wrong.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TypeVar

from jinja2 import Environment, Template

Token = tuple[Any, ...]

_active: set[Token] | None = None

# type → function giving a record's identity (a stable string across builds), set by model.py
RECORD_TYPES: dict[type, Callable[[Any], str]] = {}
# type → function giving the part of a record its signature covers (default: all of it)
VALUES: dict[type, Callable[[Any], Any]] = {}
# Content attributes that are collections of records
COLLECTIONS = frozenset({"nbsap", "targets", "indicators", "actions", "pages", "news", "items",
                         "needs", "offers"})


# id(record) → (record, identity): identities are computed once per build (the record is kept
# alive with its entry, so an id cannot be reused while cached); reset() between builds.
_identities: dict[int, tuple[Any, str]] = {}


def reset() -> None:
    _identities.clear()


def identity(value: Any) -> str | None:
    """A record's identity, or None when ``value`` is not a record."""
    found = _identities.get(id(value))
    if found is not None and found[0] is value:
        return found[1]
    make = RECORD_TYPES.get(type(value))
    if make is None:
        return None
    name = make(value)
    if len(_identities) > 1_000_000:  # records of many past builds of a live session
        _identities.clear()
    _identities[id(value)] = (value, name)
    return name


def note_record(value: Any) -> None:
    """Note ``value`` if it is a record (or a sequence of records)."""
    if _active is None:
        return
    kind = type(value)
    if kind in RECORD_TYPES:
        _active.add(("r", identity(value)))
    elif kind is tuple or kind is list:
        for item in value:
            name = identity(item)
            if name is not None:
                _active.add(("r", name))


def note_tokens(tokens: frozenset[Token]) -> None:
    """Note tokens read elsewhere on the page's behalf (a fragment it shares with others)."""
    if _active is not None:
        _active.update(tokens)


@contextmanager
def recording() -> Iterator[set[Token]]:
    """Collect the tokens noted while the block runs (one page's render)."""
    global _active
    outer, _active = _active, set()
    try:
        yield _active
    finally:
        _active = outer


@contextmanager
def paused() -> Iterator[None]:
    """Note nothing while the block runs (inside a query, whose result is its own token)."""
    global _active
    outer, _active = _active, None
    try:
        yield
    finally:
        _active = outer


def is_recording() -> bool:
    return _active is not None


F = TypeVar("F", bound=Callable[..., Any])


def query(method: F) -> F:
    """A Site or Content method whose result is a token: callers depend on the result, not on
    what the method scanned to compute it. Arguments are records (by identity) or plain values."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        if _active is None:
            return method(self, *args)
        _active.add(("q", name, *(identity_of(a) for a in args)))
        with paused():
            return method(self, *args)

    return wrapper  # type: ignore[return-value]


def identity_of(value: Any) -> Any:
    """A record's identity (``("r", …)``-style string), or the plain value itself."""
    name = identity(value)
    return ("record", name) if name is not None else value


class TrackingEnvironment(Environment):
    """A Jinja environment that notes which records and collections templates read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded: dict[str, Template] = {}

    def make_globals(self, d: Any = None) -> Any:
        """A template's globals as one plain dict (Jinja's default, a ChainMap over the
        environment's, costs a scan on every import). chmgen sets the environment's globals
        before it loads a template, so the copy never misses one."""
        return {**self.globals, **(d or {})}

    def get_template(self, name: str | Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> Template:
        """A template by name, kept in a plain dict after its first load: Jinja's own cache
        (a locked LRU) is asked again on every import and ``extends``, several times a page.
        chmgen never reloads a template in an environment (an edited theme gets new ones)."""
        if globals or type(name) is not str:
            return super().get_template(name, parent, globals)
        found = self.loaded.get(name)
        if found is None:
            found = self.loaded[name] = super().get_template(name, parent)
        return found

    def getattr(self, obj: Any, attribute: str) -> Any:
        if _active is not None:
            kind = type(obj)
            if kind in RECORD_TYPES:
                found = _identities.get(id(obj))  # identity(), inlined: the hottest path
                _active.add(("r", found[1] if found is not None and found[0] is obj
                             else identity(obj)))
            elif kind in CONTENT_TYPES and attribute in COLLECTIONS:
                _active.add(("c", attribute))
                return object.__getattribute__(obj, attribute)
        try:  # Environment.getattr, without its second call for plain attributes
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if _active is not None and type(obj) in RECORD_TYPES:
            _active.add(("r", identity(obj)))
        return super().getitem(obj, argument)


CONTENT_TYPES: set[type] = set()  # chmgen.model.Content (registered there)


def digest(value: Any) -> str:
    """A short, stable hash of a value's ``repr`` (dataclasses, tuples, dicts, Paths, dates)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def text_digest(text: str) -> str:
    """A long text's place in a value given to ``digest``: its hash."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def stable(value: Any) -> Any:
    """``value`` with records replaced by their identity (query results: membership, order)."""
    name = identity(value)
    if name is not None:
        return ("record", name)
    if isinstance(value, (tuple, list)):
        return tuple(stable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, stable(v)) for k, v in value.items())
    return value
