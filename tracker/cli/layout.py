"""Text laid out in terminal columns: measured in display width (a CJK character or an emoji
takes two columns, a combining mark none), wrapped or cut at word boundaries, URLs kept whole.

Imported only where tables and wrapped text are drawn, and wcwidth only once text other than
one-column characters is met. Colour is added after the layout, so the escape sequences never
count toward a width.
"""

import re
from collections.abc import Callable, Sequence

ELLIPSIS = "…"
GAP = "  "
# The least room the last column is given before the others' headings are wrapped for it.
NARROWEST = 20
_URL = re.compile(r"<?[A-Za-z][A-Za-z0-9+.-]*://\S+")
_SGR = re.compile(r"\x1b\[[0-9;]*m")

Colour = Callable[[str], str | None]


# Printable characters one column wide each, and never joined to the next: ASCII, Latin, Greek,
# Cyrillic, general punctuation (dashes, quotes, …), currency signs. Text of these alone (most
# cells) is measured by its length, at C speed; anything else by wcwidth.
_NARROW = re.compile("[\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u052f\u1e00-\u1fff"
                     "\u2010-\u2027\u2030-\u205e\u20a0-\u20c0]*")


def narrow(text: str) -> bool:
    return (text.isascii() and text.isprintable()) or _NARROW.fullmatch(text) is not None


def width(text: str) -> int:
    """Display columns `text` takes on a terminal (colour sequences take none)."""
    if narrow(text):
        return len(text)
    import wcwidth

    return wcwidth.width(text)


def graphemes(text: str):
    """`text`'s characters, each with the marks and joiners that make it one on the screen."""
    import wcwidth

    return wcwidth.iter_graphemes(text)


def is_url(word: str) -> bool:
    return _URL.fullmatch(word) is not None


def _graphemes_within(text: str, columns: int) -> tuple[str, str]:
    """The longest start of `text` at most `columns` wide, and the rest; never splits a character
    from its combining marks."""
    columns = max(columns, 0)
    if narrow(text):
        return text[:columns], text[columns:]
    taken, used = [], 0
    for grapheme in graphemes(text):
        size = width(grapheme)
        if used + size > columns:
            break
        taken.append(grapheme)
        used += size
    head = "".join(taken)
    return head, text[len(head):]


def wrap(text: str, columns: int, *, first: str = "", rest: str = "") -> list[str]:
    """`text` in lines at most `columns` wide, broken at spaces (kept as written within a line),
    each line starting with `first` (the first) or `rest` (the others). A word longer than a line
    is broken, except a URL: it goes whole on a line of its own, at the margin if it fits there,
    else from the line's start."""
    if width(first) + width(text) <= columns:
        return [first + text]
    least = min(NARROWEST, columns)
    if columns - width(first) < least:  # no room beside the label: it goes on a line of its own
        label = first.strip()
        return ([cut(label, columns)] if label else []) + wrap(text, columns)
    if columns - width(rest) < least:
        rest = ""
    lines: list[str] = []
    line, used, empty = first, width(first), True
    for space, word in re.findall(r"(\s*)(\S+)", text):
        size, gap = width(word), (0 if empty else len(space))
        if used + gap + size <= columns:
            line += ("" if empty else space) + word
            used += gap + size
            empty = False
            continue
        if not empty:
            lines.append(line)
            line, used, empty = rest, width(rest), True
        room = columns - used
        if size <= room:
            line, used, empty = line + word, used + size, False
        elif is_url(word):
            if line.strip():
                lines.append(line)  # a label before it stays on a line of its own
            lines.append(word)
            line, used, empty = rest, width(rest), True
        else:
            while word and width(word) > room:
                head, word = _graphemes_within(word, room)
                if not head:  # a wide character in a narrower room still takes a line
                    head = next(graphemes(word))
                    word = word[len(head):]
                lines.append(line + head)
                line, used = rest, width(rest)
                room = columns - used
            line, used, empty = line + word, used + width(word), not word
    if not empty or not lines:
        lines.append(line)
    return lines


def cut(text: str, columns: int, size: int | None = None) -> str:
    """`text` (`size` columns wide, if known) on one line of at most `columns`, cut after the last
    whole word that fits and marked `…`; a URL is left out whole rather than cut."""
    if (width(text) if size is None else size) <= columns:
        return text
    if columns <= 1:
        return ELLIPSIS[:columns]
    if narrow(text):
        # One column a character: the last space within reach ends the last whole word.
        kept = text[:columns].rsplit(" ", 1)[0] if " " in text[:columns] else ""
        if kept.strip():
            return kept.rstrip() + ELLIPSIS
    kept, used = [], 0
    for word in text.split():
        size = width(word) + (1 if kept else 0)
        if used + size > columns - 1:
            break
        kept.append(word)
        used += size
    if kept:
        return " ".join(kept) + ELLIPSIS
    first = text.split()[0] if text.split() else text
    if is_url(first):
        return ELLIPSIS
    return _graphemes_within(text, columns - 1)[0] + ELLIPSIS


def column_widths(natural: Sequence[int], headers: Sequence[int], limit: int | None,
                  give: Sequence[int]) -> list[int]:
    """How wide each column is drawn. Within `limit`, the last column (the one worth reading: a
    claim, a summary) keeps most of the room; the columns in `give` shrink for it, each down to
    its heading; the others keep their width."""
    gaps = len(GAP) * (len(natural) - 1)
    if limit is None or sum(natural) + gaps <= limit:
        return list(natural)
    last = len(natural) - 1
    flexible = set(give) | {last}
    available = limit - gaps - sum(w for i, w in enumerate(natural) if i not in flexible)
    least = {i: min(natural[i], headers[i]) for i in give}
    if available - sum(least.values()) < min(natural[last], NARROWEST):
        least = {i: min(natural[i], NARROWEST // 4) for i in give}  # a narrow terminal: headings wrap too
    widths = list(natural)
    widths[last] = max(1, min(natural[last],
                              max(available - sum(natural[i] for i in give), available * 3 // 4),
                              available - sum(least.values())))
    room = available - widths[last]
    for position, i in enumerate(give):
        after = sum(least[j] for j in give[position + 1:])
        widths[i] = max(least[i], min(natural[i], room - after))
        room -= widths[i]
    return widths


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, limit: int | None,
          give: Sequence[int] = (), one_line: bool = False,
          colours: dict[int, Colour] | None = None, paint: Callable[..., str] | None = None) -> str:
    """Aligned columns of escaped cell text, at most `limit` wide (None: as wide as they are).

    Cells too wide for their column wrap onto more lines (`one_line`: are cut); `colours` maps a
    column to a function giving a cell's colour name, applied by `paint(text, fg=…, bold=…)`
    (click.style) once the text is laid out."""
    grid = [list(headers)] + [list(row) for row in rows]
    sizes = [[width(cell) for cell in row] for row in grid]
    natural = [max(column) for column in zip(*sizes)]
    widths = column_widths(natural, sizes[0], limit, give)
    colours = colours or {}
    lines = []
    for number, (row, size) in enumerate(zip(grid, sizes)):
        style = [None if number == 0 or i not in colours or paint is None else colours[i](cell)
                 for i, cell in enumerate(row)]
        if limit is None or all(s <= w for s, w in zip(size, widths)):
            lines.append(_line(row, size, widths, style, number == 0, limit, paint))
            continue
        if one_line:
            parts = [cut(cell, w, s) if s > w else cell for cell, s, w in zip(row, size, widths)]
            part_sizes = [width(part) if s > w else s for part, s, w in zip(parts, size, widths)]
            lines.append(_line(parts, part_sizes, widths, style, number == 0, limit, paint))
            continue
        pieces = [wrap(cell, w) if s > w else [cell] for cell, s, w in zip(row, size, widths)]
        for depth in range(max(map(len, pieces))):
            parts = [p[depth] if depth < len(p) else "" for p in pieces]
            part_sizes = [width(part) for part in parts]
            urls = []  # wider than their column: URLs kept whole, each on a line of its own
            for i, size in enumerate(part_sizes):
                if size > widths[i]:
                    urls.append((sum(widths[:i]) + len(GAP) * i, parts[i]))
                    parts[i], part_sizes[i] = "", 0
            if any(parts):
                lines.append(_line(parts, part_sizes, widths, style, number == 0, limit, paint))
            for at, url in urls:
                lines.append((" " * at if at + width(url) <= limit else "") + url)
    return "\n".join(lines)


def _line(parts: list[str], sizes: list[int], widths: list[int], style: list[str | None], heading: bool,
          limit: int | None, paint: Callable[..., str] | None) -> str:
    last = len(parts) - 1
    plain = GAP.join(part + " " * (w - s) for part, s, w in zip(parts[:last], sizes, widths)) + GAP + parts[last]
    plain = plain.rstrip()
    if limit is not None and sum(widths[:last]) + len(GAP) * last + sizes[last] > limit and width(plain) > limit:
        return cut(plain, limit)  # a terminal narrower than the fixed columns: cut, uncoloured
    if paint is None:
        return plain
    cells = []
    for part, s, w, fg in zip(parts, sizes, widths[:last] + [0], style):
        text = paint(part, fg=fg, bold=heading or None) if part and (fg or heading) else part
        cells.append(text + " " * max(0, w - s))
    return (GAP.join(cells[:-1]) + GAP + cells[-1]).rstrip()


def strip_colour(text: str) -> str:
    return _SGR.sub("", text)
