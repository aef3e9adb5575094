"""YAML reading with one-line errors, and atomic file writing."""

from __future__ import annotations

import difflib
import math
import os
import pickle
import re
import tempfile
from pathlib import Path
import typing
from typing import Any, Iterable

import yaml

from planner.errors import InputError, clip, problem


# Limits on what one YAML file may hold. The largest file the planner writes or ships (a resolved scenario,
# scenario.resolved.yaml) is about 110 kB, 8,000 values and 8 levels deep: these leave a factor of 15-20 and stop
# a hostile file (deep nesting, alias bombs, a huge list) before it costs more than a second.
MAX_YAML_BYTES = 2_000_000
MAX_YAML_VALUES = 50_000  # every key, value and list item, counting what aliases expand to
MAX_YAML_DEPTH = 40

# YAML 1.2 floats: ``2e1``, ``1E-3`` and ``.5`` are numbers (PyYAML follows YAML 1.1, which needs a dot and a
# signed exponent, and reads ``2e1`` as a string); ``.inf`` and ``.nan`` stay floats (the schemas then say they
# must be finite)
_FLOAT_12 = re.compile(r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate keys instead of silently keeping the last one, reads YAML 1.2 floats,
    takes merge keys (``<<: *anchor``) and refuses nesting deeper than MAX_YAML_DEPTH (used where PyYAML has no
    libyaml)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _float_12(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    low = text.lower()
    if low.endswith(".inf"):
        return float("-inf") if low.startswith("-") else float("inf")
    if low == ".nan":
        return float("nan")
    return float(text)


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:  # the mapping's own keys; merged ones (``<<: *defaults``) may be overridden
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found unhashable key", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {clip(repr(key))}", key_node.start_mark)
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


def _planner_rules(cls):
    """YAML 1.2 floats, unique keys and merge keys on a loader class."""
    cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+.0123456789"))
    cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    cls.add_constructor("tag:yaml.org,2002:float", _float_12)
    return cls


_planner_rules(_UniqueKeyLoader)
if getattr(yaml, "__with_libyaml__", False):  # libyaml parses about ten times faster than pure Python
    @_planner_rules
    class _FastLoader(yaml.CSafeLoader):
        """The same rules on libyaml; depth and size are checked on its events first (its composer recurses in C)."""
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None


def parse_yaml(text: str) -> Any:
    """Parse YAML text by the planner's rules (raises yaml.YAMLError, with a ``problem`` for the size limits)."""
    if _FastLoader is None:  # pragma: no cover
        doc = yaml.load(text, Loader=_UniqueKeyLoader)
    else:
        try:
            _check_events(text)
        except (yaml.scanner.ScannerError, yaml.parser.ParserError):
            # the file is malformed: pure Python PyYAML says where and why in clearer words than libyaml (and the
            # events read so far were within the limits)
            yaml.load(text, Loader=_UniqueKeyLoader)
            raise
        doc = yaml.load(text, Loader=_FastLoader)
    _check_size(doc)
    return doc


def _check_events(text: str) -> None:
    """Depth and count of nodes from libyaml's event stream (flat: no recursion), before anything is built."""
    depth = count = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep (line "
                                     f"{event.start_mark.line + 1})")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            continue
        elif not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            continue
        count += 1
        if count > MAX_YAML_VALUES:
            raise yaml.YAMLError(f"more than {MAX_YAML_VALUES:,} values")


def _check_size(doc: Any) -> None:
    """Count every value, as aliases expand (a billion laughs is a few lines of YAML), up to MAX_YAML_VALUES."""
    count, stack = 0, [doc]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            raise yaml.YAMLError(f"more than {MAX_YAML_VALUES:,} values (counting what aliases expand to)")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


_CACHE: dict[tuple[str, int, int], bytes] = {}


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; any problem becomes an InputError naming the file (and line).

    Parsed documents are cached by (path, size, mtime) and handed out as fresh copies (unpickled: 3.4 times
    quicker than ``copy.deepcopy`` on the catalog): a batch re-reads the same scenario and catalog files for every
    case.
    """
    path = Path(path)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    except (OSError, ValueError):
        key = None
    if key is not None and key in _CACHE:
        return pickle.loads(_CACHE[key])
    doc = _read_yaml(path)
    if key is not None:
        _CACHE[key] = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
    return doc


def read_text_file(path: Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a regular file of at most ``max_bytes``; anything else (a folder, a device such as /dev/zero,
    a FIFO, a file too large, not UTF-8) is an InputError at once, without reading it."""
    import stat as stat_

    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(problem(str(path), "", "file not found")) from None
    except (OSError, ValueError) as exc:
        raise InputError(problem(str(path), "", f"cannot read: {_os_reason(exc)}")) from None
    if stat_.S_ISDIR(st.st_mode):
        raise InputError(problem(str(path), "", "is a folder, not a file"))
    if not stat_.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat_.S_ISFIFO(st.st_mode) else "a device" if stat_.S_ISCHR(st.st_mode)
                or stat_.S_ISBLK(st.st_mode) else "a socket" if stat_.S_ISSOCK(st.st_mode) else "not a regular file")
        raise InputError(problem(str(path), "", f"is {kind}, not a regular file"))
    if st.st_size > max_bytes:
        raise InputError(problem(str(path), "", f"file too large: {st.st_size:,} bytes (at most {max_bytes:,})"))
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)  # files under /proc say 0 bytes: read no more than the limit
    except OSError as exc:
        raise InputError(problem(str(path), "", f"cannot read: {_os_reason(exc)}")) from None
    if len(data) > max_bytes:
        raise InputError(problem(str(path), "", f"file too large: more than {max_bytes:,} bytes"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(problem(str(path), "", f"not UTF-8 text (byte {exc.start})")) from None


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def _read_yaml(path: Path) -> Any:
    text = read_text_file(path)
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if "<stream end>" in reason and context and opened is not None:  # the end of the file is past its lines:
            mark = opened  # point at what was left open
            reason = f"{context.removeprefix('while parsing ')} opened here is not closed by the end of the file"
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise InputError(problem(str(path), where, f"malformed YAML: {reason}")) from None


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def finite_json(data: Any) -> tuple[Any, list[str]]:
    """``data`` with every NaN or infinite float replaced by None (JSON has no NaN: ``json.dumps`` writes a bare
    ``NaN`` that strict readers reject), and the dotted paths of what was replaced."""
    replaced: list[str] = []

    def clean(x, path):
        if isinstance(x, float) and not math.isfinite(x):
            replaced.append(path)
            return None
        if isinstance(x, dict):
            return {k: clean(v, f"{path}.{k}" if path else str(k)) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(x)]
        return x

    return clean(data, ""), replaced


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for others to read
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def closest(name: str, options: Iterable[str]) -> str:
    """A ' (did you mean X?)' hint, or ''."""
    if len(str(name)) > 100:  # no name is that long, and difflib takes quadratic time
        return ""
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def pydantic_problems(exc, file: str, prefix: str = "", lookup=None) -> list[str]:
    """Turn a pydantic ValidationError into ``file: field: reason`` lines.

    ``lookup(loc)`` may return the mapping at a location so that unknown keys get a suggestion.
    """
    found = []  # (field, reason, pydantic error type)
    for err in exc.errors():
        raw_loc = [str(p) for p in err["loc"]]
        # an unknown key is always the last part: never mistake it for a tag below
        unknown = raw_loc.pop() if err["type"] == "extra_forbidden" and raw_loc else None
        # pydantic adds the union member or validator name to some locations; keep the data path
        loc = [p for p in raw_loc if not _is_schema_tag(p)]
        if unknown is not None:
            loc.append(unknown)
        field = ".".join([prefix] + loc if prefix else loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
            if lookup is not None and len(found) < 50:  # a suggestion for the first ones: only 10 lines are shown
                allowed = lookup(loc[:-1])
                if allowed:
                    msg += closest(loc[-1], allowed)
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "finite_number":
            msg = f"must be a finite number, got {err.get('input')!r}"
        found.append((field, msg, err["type"]))
    # a union reports every member: "not a number" at a field is noise when another member (a table, say)
    # got further and found the real problem inside it
    holders = {".".join(parts[:i]) for parts in (f.split(".") for f, _, _ in found) for i in range(1, len(parts))}
    found = [(f, m, t) for f, m, t in found if not (t.endswith(("_type", "_parsing")) and f in holders)]
    # the same location can be reported once per union member; keep the first of each
    seen, unique = set(), []
    for field, msg, _ in found:
        if field not in seen:
            seen.add(field)
            unique.append(problem(file, field, msg))
    return unique


_TAG_WORDS = ("float", "int", "str", "bool", "none", "Quantity")


def _is_schema_tag(part: str) -> bool:
    """A location part that names a union member or validator (``dict[int,float]``), not a data key."""
    return (part in _TAG_WORDS or part.startswith(("function-", "constrained-"))
            or re.fullmatch(r"(dict|list|set|tuple|frozenset)\[.*\]", part) is not None)


def _unwrap(tp):
    """Strip Annotated/Optional/Union wrappers down to a model class or a dict/list type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if hasattr(a, "model_fields") or typing.get_origin(a) in (dict, list)]
            if not models:
                return tp
            tp = models[0]
        else:
            return tp


def schema_type_at(model_cls, loc: list[str]):
    """The (unwrapped) type a pydantic model expects at a data location, or None if the path leaves it."""
    tp = model_cls
    for part in loc:
        tp = _unwrap(tp)
        if hasattr(tp, "model_fields"):
            if part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    return _unwrap(tp)


def allowed_fields(model_cls):
    """``lookup(loc)``: the field names a pydantic model allows at a data location (for suggestions)."""

    def lookup(loc: list[str]):
        tp = schema_type_at(model_cls, loc)
        return list(tp.model_fields) if hasattr(tp, "model_fields") else None

    return lookup
