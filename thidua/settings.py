"""All configuration in one place, read from THIDUA_* environment variables (or .env)."""

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="THIDUA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default=Path(".thidua"), description="Folder for the embedded SQLite files and logs."
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means a SQLite file in `home`."
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    locality: str = Field(
        default="Hà Nội", description="Place printed on the date line of documents."
    )
    # The body's own header on the directorate's decision (Nghị định 30/2020/NĐ-CP): the body
    # itself is the cluster's (Cluster.body); what stands above it, its symbol and its head are
    # the same for every cluster of one installation.
    parent_body: str = Field(
        default="Bộ Công an", description="The body above the issuing body ('' for none)."
    )
    body_symbol: str = Field(
        default="CAHN", description="The issuing body's symbol in document numbers (QĐ-CAHN)."
    )
    head_title: str = Field(default="Giám đốc", description="Title of the body's head.")
    deputy_head_title: str = Field(
        default="Phó Giám đốc", description="Title of a directorate member signing for the head."
    )
    prefect_port: int = Field(default=4200, ge=1024, le=65535)
    campaign_deployment: str = "thidua-campaign/campaign"
    cycle_deployment: str = "thidua-yearly-cycle/yearly-cycle"
    drive_deployment: str = "thidua-drive/drive"
    nudge_wait_seconds: float = Field(default=30.0, ge=0)
    flow_run_limit: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Most flow-run processes one worker (serve or a pool worker) runs at once.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Keys the hashes of one-time codes. Empty: a random key in `home`/secret.key."
        " Give every machine the same key when the CLI and workers run apart.",
    )

    # Notifications (notifications/events.py writes them, notifications/delivery.py sends them).
    notifications_enabled: bool = True
    smtp_host: str = Field(default="", description="Empty: e-mails wait in the outbox.")
    smtp_port: int | None = Field(
        default=None, ge=1, le=65535, description="Default: 25, 587 (starttls) or 465 (ssl)."
    )
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "Hệ thống thi đua <thidua@localhost>"
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs webhooks whose channel names no secret of its own."
    )
    notify_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect/read timeout of one SMTP or webhook call."
    )
    notify_max_attempts: int = Field(default=10, ge=1)
    reminder_before: timedelta = Field(
        default=timedelta(days=1), description="Remind this long before a stage's deadline."
    )
    digest_hour: int = Field(default=7, ge=0, le=23, description="Local hour of daily digests.")

    # The web portal (thidua/web, `thidua web`).
    web_host: str = Field(default="127.0.0.1", min_length=1)
    web_port: int = Field(default=8420, ge=1024, le=65535)
    web_workers: int = Field(default=1, ge=1, le=64)
    web_session_lifetime: timedelta = Field(
        default=timedelta(hours=12), description="A sign-in ends this long after it began."
    )
    web_idle_timeout: timedelta = Field(
        default=timedelta(minutes=30), description="…or this long after the last request."
    )
    web_secure_cookies: bool = Field(
        default=False, description="Send cookies over HTTPS only (set it behind a TLS proxy)."
    )
    web_signin_window: timedelta = Field(default=timedelta(minutes=15))
    web_signin_max_per_username: int = Field(
        default=5, ge=1, description="Failed sign-ins of one username from one address (window)."
    )
    # Usernames are predictable (canbo.ptm): were the limit above counted from every address, a
    # hostile officer could lock a colleague out at a deadline with five wrong tries.
    web_signin_max_per_username_anywhere: int = Field(
        default=50, ge=1, description="Failed sign-ins of one username from all addresses (window)."
    )
    web_signin_max_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins from one client address within the window."
    )
    web_trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses (or '*') whose X-Forwarded-For/-Proto is believed.",
    )
    web_root_path: str = Field(
        default="", description="Path prefix the reverse proxy serves the portal under (/thidua)."
    )

    @field_validator("database_url")
    @classmethod
    def _parseable_url(cls, v: str) -> str:
        if v:
            try:
                make_url(v)
            except ArgumentError as exc:
                raise ValueError(f"không phải URL cơ sở dữ liệu hợp lệ: {exc}") from exc
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"múi giờ không tồn tại: {v}") from exc
        return v

    @field_validator("web_session_lifetime", "web_idle_timeout", "web_signin_window")
    @classmethod
    def _positive(cls, v: timedelta) -> timedelta:
        if v <= timedelta(0):
            raise ValueError("phải là một khoảng thời gian dương")
        return v

    @field_validator("web_root_path")
    @classmethod
    def _root_path(cls, v: str) -> str:
        if v and (not v.startswith("/") or v.endswith("/") or "//" in v or " " in v):
            raise ValueError("phải bắt đầu bằng '/' và không kết thúc bằng '/' (ví dụ /thidua)")
        return v

    @field_validator("web_trusted_proxies")
    @classmethod
    def _proxies(cls, v: str) -> str:
        from ipaddress import ip_address, ip_network

        for item in (p.strip() for p in v.split(",")):
            if item in ("*", ""):
                continue
            try:
                ip_network(item, strict=False) if "/" in item else ip_address(item)
            except ValueError as exc:
                raise ValueError(f"'{item}' không phải địa chỉ IP hay mạng hợp lệ") from exc
        return v

    @model_validator(mode="after")
    def _idle_within_lifetime(self) -> "Settings":
        if self.web_idle_timeout > self.web_session_lifetime:
            raise ValueError(
                "web_idle_timeout: không được dài hơn web_session_lifetime"
                f" ({self.web_session_lifetime})"
            )
        if self.web_port == self.prefect_port:
            raise ValueError(f"web_port: trùng cổng của máy chủ Prefect ({self.prefect_port})")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'thidua.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@cache
def get_settings() -> Settings:
    return Settings()


# Beside the home's database when `thidua demo` made it: the next demo may make it anew, until
# `thidua init` takes the database over for real work (simulation/demo.py).
DEMO_MARK = "demo-owned"
