"""Single front-end files that Python packages from PyPI carry (Plotly's bundled plotly.min.js),
served as our own static files: the browser never fetches a library from a CDN. A finder, rather
than a whole package folder in STATICFILES_DIRS, so that collectstatic copies (and compresses)
the one file we use and not the package's ten megabytes of data and widgets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

# static path → (package, file inside it)
VENDOR_FILES = {
    "vendor/plotly/plotly.min.js": ("plotly", "package_data/plotly.min.js"),
}


def _source(package: str, inner: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / inner
    return path if path.is_file() else None


class VendorFileFinder(BaseFinder):
    def check(self, **kwargs):
        return [
            Error(f"{package} does not carry {inner}: reinstall Zhili's dependencies", id="zhili.E001")
            for package, inner in VENDOR_FILES.values()
            if _source(package, inner) is None
        ]

    def find(self, path, find_all=False, **kwargs):
        source = _source(*VENDOR_FILES[path]) if path in VENDOR_FILES else None
        if source is None:
            return [] if find_all else None
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns):
        for static_path, (package, inner) in VENDOR_FILES.items():
            source = _source(package, inner)
            if source is None:
                continue
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = str(Path(static_path).parent)
            yield source.name, storage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed and compressed storage, with gzip only and only for what changed.

    Brotli at its best level took three minutes of CPU for plotly.min.js, and WhiteNoise
    compresses every file again on each `collectstatic`, which `zhili serve` runs at start. Gzip
    takes a fraction of a second, browsers all accept it, and a file whose .gz is newer than it
    (a hashed name's content never changes) is not compressed again."""

    def create_compressor(self, **kwargs):
        return Compressor(use_brotli=False, **kwargs)

    def compress_files(self, paths):
        def fresh(name: str) -> bool:
            path = Path(self.path(name))
            gz = path.with_name(path.name + ".gz")
            return gz.exists() and gz.stat().st_mtime >= path.stat().st_mtime

        yield from super().compress_files([p for p in paths if not fresh(p)])
