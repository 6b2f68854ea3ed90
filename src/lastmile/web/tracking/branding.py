"""Readable text on an organisation's brand colour (WCAG contrast)."""


def _luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`.

    Examples
    --------
    >>> text_on("#1f5fbf"), text_on("#ffd400")
    ('#ffffff', '#111111')
    """
    white, black = "#ffffff", "#111111"
    if contrast_ratio(background, white) >= contrast_ratio(background, black):
        return white
    return black
