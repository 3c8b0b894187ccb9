"""`/api/docs/`: the OpenAPI document rendered by Swagger UI, from the swagger-ui-bundle package."""

from __future__ import annotations

from swagger_ui_bundle import swagger_ui_path

from closecalls.api.openapi import PATH as OPENAPI_PATH

PREFIX = "/api/docs/"
# Swagger UI sets inline styles as it renders; scripts stay our own and the package's.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>closecalls API</title>
<link rel="stylesheet" href="{PREFIX}swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{PREFIX}swagger-ui-bundle.js"></script>
<script src="{PREFIX}start.js"></script>
</body>
</html>
"""

# A file of its own, not inline, so the policy can refuse inline scripts.
START = f"""window.ui = SwaggerUIBundle({{
  url: "{OPENAPI_PATH}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
}});
"""


def files() -> dict[str, tuple[bytes, str]]:
    """The docs page and its assets, by path."""
    bundle = swagger_ui_path
    page = (PAGE.encode(), "text/html; charset=utf-8")
    return {
        PREFIX: page,
        PREFIX.rstrip("/"): page,
        PREFIX + "start.js": (START.encode(), "text/javascript; charset=utf-8"),
        PREFIX + "swagger-ui.css": (
            (bundle / "swagger-ui.css").read_bytes(),
            "text/css; charset=utf-8",
        ),
        PREFIX + "swagger-ui-bundle.js": (
            (bundle / "swagger-ui-bundle.js").read_bytes(),
            "text/javascript; charset=utf-8",
        ),
    }
