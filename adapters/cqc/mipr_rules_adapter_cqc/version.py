"""The installed version of mipr-rules-adapter-cqc."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mipr-rules-adapter-cqc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
