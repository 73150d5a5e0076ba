"""Settings: defaults in code, then newslake.toml, then NEWSLAKE__SECTION__KEY variables."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newslake.flows.sources import AUTO, kind_for, kind_named
from newslake.transforms.errors import ConfigError
from newslake.transforms.topics import Topic

ENV_PREFIX = "NEWSLAKE__"
RUNNERS = ("local", "dask")


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """One configured source: a file, folder or glob; a page, feed or sitemap URL; a WARC."""

    path: str  # a path or glob, an http(s) URL, or warc:PATH
    name: str | None = None  # shown as <kind>:<name> in the tables; default: the path
    kind: str = AUTO  # a registered kind (files, web, warc); auto: the kind its path shows
    outlet: str | None = None  # overrides the outlet found in the pages
    max_articles: int = 0  # 0: no limit; else at most this many new URLs per run
    since: str | None = None  # ISO date: skip feed, sitemap and WARC entries older than this
    include: tuple[str, ...] = ()  # regexes: only URLs matching one of them
    exclude: tuple[str, ...] = ()  # regexes: never URLs matching any of them
    hosts: tuple[str, ...] = ()  # WARC: only records of these hosts (and their subdomains)

    def __post_init__(self) -> None:
        if self.kind != AUTO:
            try:
                kind_named(self.kind)
            except ConfigError as exc:
                raise ConfigError(f"source {self.path}: {exc}") from None

    @property
    def source_kind(self) -> str:
        """The configured kind, else the registered kind that recognises the path."""
        return self.kind if self.kind != AUTO else kind_for(self.path).name

    @property
    def label(self) -> str:
        """The source's name in the tables: '<kind>:<name>'; without a name, the kind's
        default for the path (the path itself; a WARC's file name)."""
        kind = kind_named(self.source_kind)
        return f"{kind.name}:{self.name or kind.default_name(self.path)}"

    def since_time(self) -> datetime | None:
        """`since` as a UTC datetime; ConfigError if it is not an ISO date."""
        if not self.since:
            return None
        try:
            return datetime.fromisoformat(self.since).replace(tzinfo=UTC)
        except ValueError:
            raise ConfigError(f"source {self.path}: since = {self.since!r} is not a date") from None


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the web is fetched: politely, incrementally and safely."""

    user_agent: str = "newslake/0.1"
    contact_url: str = "https://github.com/newslake/newslake"  # shown in the User-Agent
    timeout_s: float = 10.0  # connect and read, per request
    total_timeout_s: float = 60.0  # one whole request, body included
    max_body_bytes: int = 5_000_000  # larger bodies (after decompression) become `too_large`
    concurrency: int = 32  # requests in flight over all hosts
    per_host: int = 2  # requests in flight to one host
    min_delay_s: float = 0.5  # between requests to one host (robots Crawl-delay can raise it)
    max_crawl_delay_s: float = 30.0  # cap on a robots.txt Crawl-delay
    retries: int = 3  # for timeouts, connection errors, 408, 429 and 5xx
    backoff_s: float = 0.5  # first retry wait; doubles each time, with jitter
    max_retry_after_s: float = 60.0  # cap on a server's Retry-After
    max_redirects: int = 5
    http2: bool = True
    obey_robots: bool = True
    allowed_hosts: tuple[str, ...] = ()  # hosts exempt from the private-address guard


@dataclass(frozen=True, slots=True)
class ExtractSettings:
    """How pages are turned into articles."""

    workers: int = 0  # extraction processes; 0 means one per core
    batch_size: int = 128  # pages per Prefect task; memory stays flat as corpora grow
    max_file_bytes: int = 20_000_000  # larger files become `too_large` rows
    runner: str = "local"  # local: a process pool here; dask: the processes of a Dask cluster
    dask_address: str = ""  # runner dask: a scheduler (tcp://host:8786); empty: a local cluster

    def __post_init__(self) -> None:
        if self.runner not in RUNNERS:
            raise ConfigError(f"extract.runner must be local or dask, not {self.runner!r}")
        if self.runner == "dask" and importlib.util.find_spec("distributed") is None:
            raise ConfigError("extract.runner dask needs distributed: install newslake[dask]")


@dataclass(frozen=True, slots=True)
class ClaimSettings:
    """[claims]: recurring claims across articles and outlets."""

    enabled: bool = True
    semantic: bool = True  # embedding signals in claim matching; false: lexical only
    min_stories: int = 2  # independent stories that make a claim recurring


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs, loaded once at the entry point and passed down."""

    lake: str = "./lake"  # a directory, or an object store URL (s3://bucket/prefix)
    cache_dir: str = ""  # local mirror of an object-store lake [$XDG_CACHE_HOME/newslake]
    lock_timeout_s: float = 60.0  # how long a second writer waits for the lake
    retention_hours: int = 168  # replaced files kept this long: time travel, `compact` vacuums
    sources: tuple[SourceSettings, ...] = ()
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    claims: ClaimSettings = field(default_factory=ClaimSettings)
    topics: tuple[Topic, ...] = ()  # [[topics]] name = "...", terms = [...], exclude = [...]

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] = os.environ,
        **overrides: Any,
    ) -> Settings:
        """Defaults, then the TOML file, then NEWSLAKE__* env, then overrides; or ConfigError."""
        data: dict[str, Any] = {}
        if path is not None:
            data = _read_toml(Path(path))
        for key, value in env.items():
            if key.startswith(ENV_PREFIX):
                _set_path(data, key[len(ENV_PREFIX) :].lower().split("__"), value)
        for key, value in overrides.items():
            if value is not None:
                _set_path(data, key.split("."), value)
        return _build(cls, data, "")

    def reading_lake(self) -> str:
        """The lake directory readers open: the lake, or an object-store lake's fresh mirror."""
        from newslake.warehouse.objectstore import local_lake

        return local_lake(self.lake, self.cache_dir)

    @property
    def workers(self) -> int:
        """Extraction processes to start."""
        return self.extract.workers or os.cpu_count() or 1


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        data = data.setdefault(key, {})
        if not isinstance(data, dict):
            raise ConfigError(f"{'.'.join(keys)}: {key} is not a section")
    data[keys[-1]] = value


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where.rstrip('.') or 'config'}: expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"unknown setting {where}{unknown[0]!r} (known: {', '.join(sorted(names))})"
        )
    values = {name: _coerce(hints[name], value, f"{where}{name}") for name, value in data.items()}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from None


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _coerce(options[0], value, where)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, str):  # a bare string names the first field, e.g. a source path
            value = {dataclasses.fields(hint)[0].name: value}
        return _build(hint, value, f"{where}.")
    if origin is tuple:
        (item,) = typing.get_args(hint)[:1]
        if item is str and isinstance(value, str):  # NEWSLAKE__FETCH__ALLOWED_HOSTS=a,b
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(_coerce(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if hint is bool and isinstance(value, str):
        if value.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value.lower() in {"1", "true", "yes"}
    if hint in (int, float) and not isinstance(value, bool):
        try:
            return hint(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if hint is str and isinstance(value, str | int | float | os.PathLike):
        return str(value)
    if not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {value!r}")
    return value
