"""The front-end files CQMS uses, copied from node_modules (npm lock) into static/vendor/."""

from __future__ import annotations

from django.conf import settings

# npm package -> {file inside the package: destination under static/vendor/<folder>/}
_FILES = {
    ("bootstrap", "bootstrap"): [
        "dist/css/bootstrap.min.css",
        "dist/css/bootstrap.min.css.map",
        "dist/js/bootstrap.bundle.min.js",
        "dist/js/bootstrap.bundle.min.js.map",
    ],
    ("bootstrap-icons", "bootstrap-icons"): [
        "font/bootstrap-icons.min.css",
        "font/fonts/bootstrap-icons.woff2",
        "font/fonts/bootstrap-icons.woff",
    ],
    ("htmx.org", "htmx"): ["dist/htmx.min.js"],
    ("echarts", "echarts"): ["dist/echarts.min.js"],
    ("tom-select", "tom-select"): [
        "dist/js/tom-select.complete.min.js",
        "dist/js/tom-select.complete.min.js.map",
        "dist/css/tom-select.bootstrap5.min.css",
        "dist/css/tom-select.bootstrap5.min.css.map",
    ],
}


def _destination(folder: str, source: str) -> str:
    # Keep "fonts/" so the icon stylesheet's relative url(fonts/...) still resolves.
    name = source.rsplit("/", 1)[-1]
    return f"{folder}/fonts/{name}" if "/fonts/" in source else f"{folder}/{name}"


# destination under static/vendor/ -> source under node_modules/
VENDOR_FILES = {
    _destination(folder, source): f"{package}/{source}"
    for (package, folder), sources in _FILES.items()
    for source in sources
}
PACKAGES = ["bootstrap", "bootstrap-icons", "echarts", "htmx.org", "tom-select"]


def vendor_dir():
    return settings.PACKAGE_DIR / "static" / "vendor"


def node_modules_dir():
    return settings.BASE_DIR / "node_modules"


def missing_files() -> list[str]:
    root = vendor_dir()
    return [name for name in VENDOR_FILES if not (root / name).is_file()]
