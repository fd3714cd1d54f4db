"""licman: verify licman licenses and enforce them in Python products.

>>> import licman
>>> catalog = licman.Catalog.load("examples/catalogs/netaudit.toml")  # doctest: +SKIP
>>> ring = licman.KeyRing([public_key_text])                           # doctest: +SKIP
>>> lic = ring.verify(key_text, catalog)                               # doctest: +SKIP
>>> lic.has_module("scheduled_audits")                                 # doctest: +SKIP
"""

from ._errors import (
    AccessDenied,
    CatalogError,
    ClockError,
    Denial,
    GroupError,
    InvalidLicense,
    InvalidPath,
    InvalidPublicKey,
    InvalidRevocationList,
    LicenseExpired,
    LicenseNotYetValid,
    LicenseRevoked,
    LicmanError,
    ModuleNotLicensed,
    NoLicense,
    QuotaExceeded,
    StaleRevocationList,
    UnknownName,
    UnlistedPath,
    WrongMachine,
)
from ._native import (
    Catalog,
    Customer,
    GroupAccess,
    KeyRing,
    License,
    RevocationList,
    RouteTable,
    __version__,
    machine_fingerprint,
    machine_fingerprint_of,
    machine_id,
    plan_storage_cleanup,
)

__all__ = [
    "AccessDenied",
    "Catalog",
    "CatalogError",
    "ClockError",
    "Customer",
    "Denial",
    "GroupAccess",
    "GroupError",
    "InvalidLicense",
    "InvalidPath",
    "InvalidPublicKey",
    "InvalidRevocationList",
    "KeyRing",
    "License",
    "LicenseExpired",
    "LicenseNotYetValid",
    "LicenseRevoked",
    "LicmanError",
    "ModuleNotLicensed",
    "NoLicense",
    "QuotaExceeded",
    "RevocationList",
    "RouteTable",
    "StaleRevocationList",
    "UnknownName",
    "UnlistedPath",
    "WrongMachine",
    "__version__",
    "machine_fingerprint",
    "machine_fingerprint_of",
    "machine_id",
    "plan_storage_cleanup",
]
