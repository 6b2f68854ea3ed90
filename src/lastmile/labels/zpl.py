"""Shipping labels as ZPL II for thermal printers (203 dpi): the same content as the PDF, the
tracking number as a Code 128 barcode (`^BC`) and the tracking link as a QR code (`^BQ`), one
`^XA … ^XZ` block per parcel."""

from typing import Final

from lastmile.labels.content import Label
from lastmile.labels.label_pdf import PAGE_MM, LabelSize

DOTS_PER_MM: Final = 8  # 203 dpi
_LEFT: Final = 30


def field_text(text: str) -> str:
    """`text` safe inside `^FH^FD … ^FS`: the characters ZPL reads as commands (`^`, `~`) and
    its own escape character (`_`) written as hex escapes.

    >>> field_text("a^b~c_d")
    'a_5Eb_7Ec_5Fd'
    """
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _text(y: int, text: str, *, size: int, width: int) -> str:
    return f"^FO{_LEFT},{y}^A0N,{size},{size}^FB{width},1,0,L^FH^FD{field_text(text)}^FS"


def _one(label: Label, size: LabelSize) -> str:
    width_mm, height_mm = PAGE_MM[size]
    width, height = round(width_mm * DOTS_PER_MM), round(height_mm * DOTS_PER_MM)
    inner = width - 2 * _LEFT
    lines = [
        "^XA",
        "^CI28",  # field data is UTF-8
        f"^PW{width}",
        f"^LL{height}",
        _text(30, f"From: {label.org_name}", size=26, width=inner),
        _text(62, f"Hub: {label.hub}", size=22, width=inner),
        f"^FO{_LEFT},92^GB{inner},2,2^FS",
        _text(104, "To:", size=22, width=inner),
        _text(130, label.recipient_name, size=40, width=inner),
        f"^FO{_LEFT},176^A0N,30,30^FB{inner},3,4,L^FH^FD{field_text(label.address)}^FS",
    ]
    if label.recipient_phone:
        lines.append(_text(282, label.recipient_phone, size=24, width=inner))
    lines.append(f"^FO{_LEFT},314^GB{inner},2,2^FS")
    if label.route_name is not None and label.stop_number is not None:
        lines.append(_text(328, f"Route: {label.route_name}", size=26, width=inner))
        lines.append(_text(360, f"Stop {label.stop_number} of {label.stops}", size=56, width=inner))
    else:
        lines.append(_text(328, "Not planned on a route yet", size=26, width=inner))
    lines.append(_text(428, f"Parcel {label.parcel}/{label.parcels}", size=40, width=inner))
    lines.append(
        _text(476, f"Delivery date: {label.delivery_date.isoformat()}", size=24, width=inner)
    )
    if label.cod:
        lines.append(_text(506, f"Cash on delivery: {label.cod}", size=28, width=inner))
    lines += [
        # Code 128, 3-dot modules, 150 dots tall, the number printed below it.
        f"^FO{_LEFT + 20},560^BY3^BCN,150,Y,N,N^FD{field_text(label.tracking_number)}^FS",
        # QR model 2, magnification 5, error correction M, automatic input.
        f"^FO{width - _LEFT - 260},{height - 300}^BQN,2,5^FDMA,{label.tracking_link}^FS",
        f"^FO{_LEFT},{height - 250}^A0N,22,22^FB{inner - 290},4,2,L^FH"
        f"^FDTrack this parcel: {field_text(label.tracking_link)}^FS",
        "^XZ",
    ]
    return "\n".join(lines)


def render(labels: list[Label], size: LabelSize) -> str:
    """One label format per parcel, in order, each ending in a newline."""
    return "".join(_one(label, size) + "\n" for label in labels)
