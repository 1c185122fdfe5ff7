"""HTML scaffolding shared by the IMDb pages: the Next.js shell, script tags whose attribute
order varies from page to page (clients must use an HTML parser), and the 404 page."""

from __future__ import annotations

import html

from .text import stable_int

ASSET_PREFIX = "https://dqpnq362acqdi.cloudfront.net"
BUILD_ID = "Sb7x2cPq1nVwTgQ9kZr4d"

_NEXT_DATA_TAGS = (
    '<script id="__NEXT_DATA__" type="application/json">',
    '<script type="application/json" id="__NEXT_DATA__">',
    '<script nonce="{nonce}" id="__NEXT_DATA__" type="application/json" crossorigin="anonymous">',
    '<script type="application/json" nonce="{nonce}" id="__NEXT_DATA__">',
)
_LD_JSON_TAGS = (
    '<script type="application/ld+json">',
    '<script nonce="{nonce}" type="application/ld+json">',
    '<script type="application/ld+json" data-rh="true">',
)


def next_data_tag(*key: object) -> str:
    return _variant(_NEXT_DATA_TAGS, "next", *key)


def ld_json_tag(*key: object) -> str:
    return _variant(_LD_JSON_TAGS, "ld", *key)


def _variant(options: tuple[str, ...], salt: str, *key: object) -> str:
    nonce = f"{stable_int(salt, *key, 'nonce'):016x}"
    return options[stable_int(salt, *key) % len(options)].format(nonce=nonce)


def decoy_json(*key: object) -> str:
    """An unrelated JSON script, placed before `__NEXT_DATA__` on purpose."""
    return (
        '<script type="application/json" id="imdb-ads-config">'
        f'{{"slot":"top_rhs","targeting":{{"pageId":"{stable_int("ads", *key) % 10**8}"}}}}'
        "</script>"
    )


def page(title: str, description: str, head_extra: str, body: str, next_data: str) -> str:
    """A page in the shape of IMDb's Next.js pages: JSON-LD in the head, `__NEXT_DATA__`
    near the end of the body, scripts around them."""
    esc_title = html.escape(title)
    esc_description = html.escape(description, quote=True)
    return (
        "<!DOCTYPE html>"
        '<html lang="en-US" xmlns:og="http://opengraphprotocol.org/schema/">'
        '<head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width"/>'
        f"<title>{esc_title}</title>"
        f'<meta name="description" content="{esc_description}"/>'
        f'<meta property="og:title" content="{esc_title}"/>'
        '<meta property="og:site_name" content="IMDb"/>'
        "<script>if(typeof uet==='function'){uet('bb','LoadTitle',{wb:1});}</script>"
        f"{head_extra}"
        f'<link rel="preload" href="{ASSET_PREFIX}/_next/static/css/b2c0a2e8.css" as="style"/>'
        "</head>"
        '<body id="styleguide-v2" class="fixed">'
        f'<div id="__next"><main role="main">{body}</main></div>'
        f"{next_data}"
        f'<script src="{ASSET_PREFIX}/_next/static/chunks/webpack-77948bfb927d5716.js" defer="">'
        "</script>"
        "<script>window.ue_t0=window.ue_t0||+new Date();</script>"
        "</body></html>"
    )


def not_found_page(reason: str = "") -> str:
    detail = f"<p>{html.escape(reason)}</p>" if reason else ""
    return page(
        f"404 Error - {reason}" if reason else "404 Error - IMDb",
        "IMDb 404 page",
        "",
        '<div class="error-page"><h1>404 Error</h1>'
        f"<p>The requested URL was not found on our server.</p>{detail}</div>",
        "",
    )
