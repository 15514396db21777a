"""Reading the demo's TOML data files, with errors that name the file and the entry."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")

# Keys whose value tells a writer which entry of a list an error is about.
_HINTS = ("slug", "handle", "name", "first", "title", "term")


class ContentError(ValueError):
    """A demo data file is missing, malformed or inconsistent with the others."""


def read(name: str) -> Table:
    """The top-level table of `data/<name>`."""
    try:
        with (DATA / name).open("rb") as file:
            data = tomllib.load(file)
    except OSError as e:
        raise ContentError(f"{name}: cannot read it: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ContentError(f"{name}: not valid TOML: {e}") from e
    return Table(name, "", data)


class Table:
    """One TOML table. Getters check types; `close` rejects the keys nobody asked for, which
    catches misspelt ones that would otherwise be silently ignored."""

    def __init__(self, file: str, where: str, data: dict[str, Any]) -> None:
        self.file = file
        self.where = where
        self._data = data
        self._seen: set[str] = set()

    def error(self, message: str) -> ContentError:
        """An error about this table, naming the file and the entry."""
        place = f"{self.file}: {self.where}" if self.where else self.file
        return ContentError(f"{place}: {message}")

    def keys(self) -> list[str]:
        """The table's keys, in file order."""
        return list(self._data)

    def text(self, key: str) -> str:
        """A required string."""
        return self._typed(key, str, "a string")

    def optional_text(self, key: str) -> str | None:
        """A string, or None when the key is absent."""
        return self._typed(key, str, "a string") if key in self._data else None

    def flag(self, key: str, default: bool) -> bool:
        """A boolean, `default` when absent."""
        return self._typed(key, bool, "true or false") if key in self._data else default

    def number(self, key: str, default: float) -> float:
        """A positive number, `default` when absent."""
        if key not in self._data:
            return default
        value = self._data[key]
        self._seen.add(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(f"{key} must be a positive number, not {value!r}")
        return float(value)

    def integer(self, key: str) -> int:
        """A required whole number, 1 or more."""
        value = self._typed(key, int, "a whole number")
        if isinstance(value, bool) or value < 1:
            raise self.error(f"{key} must be a whole number of 1 or more, not {value!r}")
        return int(value)

    def texts(self, key: str, *, optional: bool = False) -> tuple[str, ...]:
        """A list of strings; required and non-empty unless `optional` (then empty if absent)."""
        if optional and key not in self._data:
            return ()
        values = self._typed(key, list, "a list of strings")
        if not values and not optional:
            raise self.error(f"{key} must not be empty")
        if not all(isinstance(v, str) for v in values):
            raise self.error(f"{key} must be a list of strings")
        return tuple(values)

    def integers(self, key: str, count: int) -> tuple[int, ...]:
        """A list of exactly `count` integers."""
        values = self._typed(key, list, f"a list of {count} integers")
        if len(values) != count or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise self.error(f"{key} must be a list of {count} integers, not {values!r}")
        return tuple(values)

    def table(self, key: str) -> Table:
        """A sub-table, `[key]`."""
        where = f"{self.where.strip('[]')}.{key}" if self.where.startswith("[") else key
        return Table(self.file, f"[{where}]", self._typed(key, dict, "a table"))

    def tables(self, key: str) -> list[Table]:
        """An array of tables, `[[key]]`, each named by its position and a telling value."""
        entries = self._typed(key, list, f"a list of [[{key}]] tables")
        if not entries:
            raise self.error(f"there must be at least one [[{key}]]")
        tables = []
        for number, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                raise self.error(f"[[{key}]] #{number} must be a table")
            hint = next((entry[h] for h in _HINTS if isinstance(entry.get(h), str)), None)
            where = f"{key} #{number}" + (f" ({hint})" if hint else "")
            # A nested entry is named inside its parent's: "term #2 (MQL), step #1".
            if self.where:
                where = f"{self.where}, {where}"
            tables.append(Table(self.file, where, entry))
        return tables

    def close(self) -> None:
        """Fail on any key that no getter read."""
        unknown = [key for key in self._data if key not in self._seen]
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r}")

    def _typed(self, key: str, kind: type, what: str) -> Any:
        if key not in self._data:
            raise self.error(f"missing key {key!r}")
        value = self._data[key]
        self._seen.add(key)
        if not isinstance(value, kind):
            raise self.error(f"{key} must be {what}, not {value!r}")
        return value
