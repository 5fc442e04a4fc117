"""Server-side SVG charts (no JavaScript, no external assets)."""

from __future__ import annotations

from html import escape
from typing import Any

#: Metrics drawn for a comparison, in order: (key, label).
CHART_METRICS: tuple[tuple[str, str], ...] = (
    ("tpp", "TPP per IC"),
    ("performance_density", "Performance density"),
    ("dense_bf16_tflops", "Dense BF16 TFLOPS"),
    ("dense_fp8_tflops", "Dense FP8 TFLOPS"),
    ("memory_gb", "Memory GB"),
    ("memory_bw_tbps", "Memory bandwidth TB/s"),
    ("power_w", "Power W"),
)
PALETTE = ("#3b5b85", "#c2693e", "#3f8f6b", "#8a5fb0", "#b5a133", "#5f7f8f")


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def compare_chart(comparison: dict[str, Any]) -> str:
    """Grouped horizontal bars, one group per metric, each bar scaled to the group's max."""
    items = comparison.get("items") or []
    groups = []
    for key, label in CHART_METRICS:
        vals = [(it.get("metrics") or {}).get(key) for it in items]
        if any(isinstance(v, int | float) and v > 0 for v in vals):
            groups.append((label, vals))
    bar_h, gap, label_w, width = 16, 4, 190, 720
    plot_w = width - label_w - 110
    height = 30 + sum(len(items) * (bar_h + gap) + 18 for _ in groups)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="Comparison chart">'
    ]
    # legend
    x = label_w
    for i, it in enumerate(items):
        color = PALETTE[i % len(PALETTE)]
        name = escape(str(it.get("name", "")))
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{x + 16}" y="14" font-size="12">{name}</text>')
        x += 24 + 7 * len(name)
    y = 30
    for label, vals in groups:
        top = max(v for v in vals if isinstance(v, int | float)) or 1
        out.append(
            f'<text x="0" y="{y + bar_h - 3}" font-size="12" font-weight="600">'
            f"{escape(label)}</text>"
        )
        for i, v in enumerate(vals):
            color = PALETTE[i % len(PALETTE)]
            if isinstance(v, int | float):
                w = max(1.0, plot_w * float(v) / float(top))
                out.append(
                    f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                    f"<title>{escape(str(items[i].get('name')))}: {_fmt(float(v))}</title></rect>"
                )
                out.append(
                    f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">'
                    f"{_fmt(float(v))}</text>"
                )
            else:
                out.append(
                    f'<text x="{label_w}" y="{y + bar_h - 4}" font-size="11" fill="#777">n/a</text>'
                )
            y += bar_h + gap
        y += 18
    out.append("</svg>")
    return "".join(out)
