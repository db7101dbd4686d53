"""What the package's modules share: tables of results, and arrays as the engine takes them."""

import numpy as np


def _float_list(values):
    """A number or any sequence of numbers (a list, a range, an array) as a list of floats."""
    return [float(v) for v in np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()]


class Table(dict):
    """Equal-length columns by name (numpy arrays, lists for text), as the command line's JSON
    rows give them; ``to_pandas()`` makes a DataFrame (pandas must be installed)."""

    @classmethod
    def from_rows(cls, rows):
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
        import pandas

        return pandas.DataFrame(dict(self))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _finish(rows, as_frame):
    table = Table.from_rows(rows)
    return table.to_pandas() if as_frame else table


def _engine_array(array, dtype):
    """``array`` as the engine reads it: C-contiguous and aligned ``dtype`` (a copy only when
    needed). Arrays that crossed a process boundary, or were made with ``np.frombuffer`` at an
    odd offset, may be unaligned, and the engine reads whole elements."""
    return np.require(array, dtype=dtype, requirements=["C_CONTIGUOUS", "ALIGNED"])
