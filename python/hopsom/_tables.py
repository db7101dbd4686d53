"""Tables of results: the library's rows (a sweep's, a capacity study's) as columns."""

import numpy as np


class Table(dict):
    """Equal-length columns by name (numpy arrays, lists for text), as the command line's JSON
    rows give them; ``to_pandas()`` makes a DataFrame (pandas must be installed)."""

    @classmethod
    def from_rows(cls, rows):
        """The columns of ``rows`` (dicts with the same keys, in order)."""
        table = cls()
        for key in rows[0] if rows else ():
            values = [row[key] for row in rows]
            table[key] = values if isinstance(values[0], str) else np.asarray(values)
        return table

    def rows(self):
        """The table as a list of dicts, one per row."""
        keys = list(self)
        count = len(self[keys[0]]) if keys else 0
        return [{key: _plain(self[key][k]) for key in keys} for k in range(count)]

    def to_pandas(self):
        """The table as a pandas DataFrame."""
        import pandas

        return pandas.DataFrame(dict(self))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def finish(rows, as_frame):
    """``rows`` as a :class:`Table`, or a pandas DataFrame with ``as_frame``."""
    table = Table.from_rows(rows)
    return table.to_pandas() if as_frame else table
