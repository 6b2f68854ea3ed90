"""What the tracking page says about the stops ahead of this one, in one place: the server
renders it into the page and sends it with each live ETA (`stream.py`), and the script only
puts the text it is given on screen, so the page and its live updates cannot word it apart."""


def stops_before(stops_away: int) -> str:
    """The driver box's line: how many stops the driver makes before this one.

    >>> stops_before(1)
    'You are the next stop.'
    >>> stops_before(2)
    '1 stop before yours.'
    >>> stops_before(4)
    '3 stops before yours.'
    """
    before = stops_away - 1
    if before <= 0:
        return "You are the next stop."
    return f"{before} stop{'' if before == 1 else 's'} before yours."


def stops_away_note(stops_away: int) -> str:
    """The note beside the ETA window: the driver box's words, so the two never disagree
    (the page once said "1 stop away" beside "You are the next stop.").

    >>> stops_away_note(1)
    '(you are the next stop)'
    >>> stops_away_note(3)
    '(2 stops before yours)'
    """
    words = stops_before(stops_away).removesuffix(".")
    return f"({words[:1].lower()}{words[1:]})"
