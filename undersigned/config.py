"""Every setting an operator can change, read from the environment in one place.

All variables are prefixed ``UNDERSIGNED_`` (but the conventional ``PORT``); the defaults give a
working single-server site with SQLite in the data directory. ``settings.py`` only consumes the
values computed here.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "UNDERSIGNED_"
TRUE_WORDS = {"1", "true", "yes", "on"}
# The folder holding the ``undersigned`` package: in a source checkout (``make run``), the
# checkout itself, recognised by its pyproject.toml.
PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return value.lower() in TRUE_WORDS if value else default


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def read_or_create_secret(path: Path) -> str:
    """The secret key kept in the data directory, generated on first start (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key


def default_data_dir(package_parent: Path = PACKAGE_PARENT,
                     environ: Mapping[str, str] = os.environ) -> Path:
    """Where the data lives when ``UNDERSIGNED_DATA_DIR`` is not set: never the working
    directory, or a command run from another folder would quietly start a second, empty site.
    From a source checkout, its ``data/`` folder (what ``make run`` has always used); from an
    installed package, the user's data folder (``$XDG_DATA_HOME/undersigned``)."""
    if (package_parent / "pyproject.toml").is_file():
        return package_parent / "data"
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "undersigned"


# Where ``serve`` notes, in the data directory, the address it serves at: commands run later in
# another terminal (``import-statement``, a digest mailed by hand) link to it without being told.
SERVED_AT_FILE = "served-at"


def default_base_url(port: int) -> str:
    """Links in mails and printed by commands point at the port ``serve`` listens on."""
    return f"http://127.0.0.1:{port}"


def served_base_url(data_dir: Path) -> str:
    """The address the last ``serve`` on this data directory served at ("" if none noted)."""
    try:
        noted = (data_dir / SERVED_AT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return noted if noted.startswith(("http://", "https://")) and noted.isprintable() else ""


def valid_time_zone(name: str) -> str:
    """The name of a time zone the system knows (``Europe/Madrid``, ``UTC``); else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{PREFIX}TIME_ZONE={name!r} is not a time zone name such as "
                         "'UTC' or 'Europe/Madrid'") from error
    return name


@dataclass(frozen=True)
class Config:
    data_dir: Path
    # Whether data_dir came from UNDERSIGNED_DATA_DIR (else default_data_dir chose it).
    data_dir_from_environment: bool
    # True when UNDERSIGNED_BASE_URL was set: `serve` then notes it as where the site is served.
    base_url_from_environment: bool
    database_url: str
    email_url: str
    base_url: str
    # Host names served besides BASE_URL's and localhost (comma-separated in the variable).
    allowed_hosts: tuple[str, ...]
    secret_key: str
    debug: bool
    cache_url: str
    default_from_email: str
    require_2fa: bool
    # Behind a reverse proxy we control: the visitor's address is taken from X-Forwarded-For.
    trust_x_forwarded_for: bool
    unconfirmed_expiry_days: int
    ip_hash_retention_days: int
    email_retention_days_after_archive: int
    # The port `undersigned serve` listens on without --port: the conventional, unprefixed PORT.
    port: int
    workers: int
    threads: int
    task_workers: int
    background_niceness: int
    page_files: bool
    # A request body must arrive whole within this many seconds and be at most this large
    # (core/rsgi.py): a slow or endless body then costs an open connection, never an app thread.
    request_body_seconds: int
    request_body_max_bytes: int
    # Sign-on limits per statement and for the whole site, per minute: sized for a viral day
    # (thousands a minute are real people), so only a flood meets them.
    sign_statement_per_minute: int
    sign_site_per_minute: int
    # Past this many sign-ons a minute on one statement, the statement switches to surge mode
    # (proof of work, new sign-ons held for review, moderators mailed) for this many minutes.
    sign_surge_per_minute: int
    sign_surge_minutes: int
    # Who may frame the embeds (/embed/<slug>/): CSP frame-ancestors sources, "*" for anyone.
    # Every other page forbids framing whatever this says (docs/reach.md).
    embed_frame_ancestors: tuple[str, ...]
    # The site's time zone: times on pages and in mails are shown in it.
    time_zone: str

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    def note_served_at(self, port: int) -> None:
        """Note where ``serve`` serves this data directory (SERVED_AT_FILE): the base URL if
        one was set, else the port on the loopback address."""
        url = self.base_url if self.base_url_from_environment else default_base_url(port)
        (self.data_dir / SERVED_AT_FILE).write_text(url + "\n", encoding="utf-8")


# A CSP source as an operator writes it: "*", a scheme ("https:"), or an origin with an optional
# wildcard host part and port. Nothing that could end the directive (";", quotes, commas).
_FRAME_SOURCE = re.compile(
    r"^(\*|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[A-Za-z0-9.-]+(:[0-9]+|:\*)?)$")


def frame_ancestors(value: str) -> tuple[str, ...]:
    """The sites allowed to frame the embeds, from a space- or comma-separated list."""
    sources = tuple(part for part in re.split(r"[\s,]+", value) if part) or ("*",)
    bad = [source for source in sources if not _FRAME_SOURCE.match(source)]
    if bad:
        raise ValueError(f"{PREFIX}EMBED_FRAME_ANCESTORS: not a site a browser can name: "
                         f"{', '.join(bad)} (write origins such as https://partner.example, "
                         "or * for any site)")
    return sources


def load() -> Config:
    data_dir = Path(env("DATA_DIR") or default_data_dir()).expanduser().resolve()
    port = int(os.environ.get("PORT", "").strip() or 8000)
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_key = env("SECRET_KEY") or read_or_create_secret(data_dir / "secret_key")
    return Config(
        data_dir=data_dir,
        data_dir_from_environment=bool(env("DATA_DIR")),
        base_url_from_environment=bool(env("BASE_URL")),
        database_url=env("DATABASE_URL") or f"sqlite:///{data_dir / 'undersigned.sqlite3'}",
        email_url=env("EMAIL_URL", "console:"),
        # Said outright; else the PORT of this command; else where the last `serve` of this
        # data directory served (a command in another terminal after `PORT=8101 make run`).
        base_url=(env("BASE_URL")
                  or (default_base_url(port) if os.environ.get("PORT", "").strip() else "")
                  or served_base_url(data_dir) or default_base_url(port)).rstrip("/"),
        allowed_hosts=tuple(h for h in env("ALLOWED_HOSTS").split(",") if h),
        secret_key=secret_key,
        debug=env_bool("DEBUG"),
        cache_url=env("CACHE_URL"),
        default_from_email=env("FROM_EMAIL", "noreply@localhost"),
        require_2fa=env_bool("REQUIRE_2FA"),
        trust_x_forwarded_for=env_bool("TRUST_X_FORWARDED_FOR"),
        unconfirmed_expiry_days=env_int("UNCONFIRMED_EXPIRY_DAYS", 7),
        ip_hash_retention_days=env_int("IP_HASH_RETENTION_DAYS", 30),
        email_retention_days_after_archive=env_int("EMAIL_RETENTION_DAYS_AFTER_ARCHIVE", 90),
        port=port,
        workers=env_int("WORKERS", 0),
        threads=env_int("THREADS", 1),
        # Two: one renders the next mail while the other waits on the SMTP server (on SQLite
        # too, since writers queue on a lock: core/backends/sqlite3).
        task_workers=env_int("TASK_WORKERS", 2),
        background_niceness=env_int("BACKGROUND_NICENESS", 19),
        page_files=env_bool("PAGE_FILES"),
        request_body_seconds=env_int("REQUEST_BODY_SECONDS", 30),
        # The largest upload the admin takes (statement images; deploy/nginx says the same).
        request_body_max_bytes=env_int("REQUEST_BODY_MAX_BYTES", 20 * 1024 * 1024),
        sign_statement_per_minute=env_int("SIGN_STATEMENT_PER_MINUTE", 6000),
        sign_site_per_minute=env_int("SIGN_SITE_PER_MINUTE", 20000),
        sign_surge_per_minute=env_int("SIGN_SURGE_PER_MINUTE", 3000),
        sign_surge_minutes=env_int("SIGN_SURGE_MINUTES", 60),
        embed_frame_ancestors=frame_ancestors(env("EMBED_FRAME_ANCESTORS", "*")),
        time_zone=valid_time_zone(env("TIME_ZONE", "UTC")),
    )
