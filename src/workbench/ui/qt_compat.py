"""A work-around for a defect of PySide6 6.12.0 on Python 3.11, detected at run time.

PySide6 6.12.0 returns ``None`` (from every method without a result, such as ``setText`` or
``QTimer.singleShot``) and ``True`` (from ``Signal.emit``) without taking a reference to them.
From Python 3.12 on these objects are immortal and nothing happens; on 3.11 each call costs the
object one reference, and after a few thousand calls the interpreter aborts with "deallocating
None" (a long streamed reply makes that many calls in a minute). PySide6 6.11.3 does not have
the defect.

:func:`guard_singletons` probes the binding once; if it drops references, it gives ``None``,
``True`` and ``False`` a reference count so large that no session can use it up, which is what
Python 3.12 does for them anyway. With a sound binding, or on 3.12+, it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_PROBES = 8
#: What Python 3.12 calls an immortal reference count is about 2**32; this is far beyond it.
_HEADROOM = 1 << 40

_guarded = False


def binding_drops_references() -> bool:
    """True when calls into the Qt binding cost ``None`` or ``True`` a reference."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        probed = Signal()

    probe = Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
        probe.probed.emit()
    none_lost = none_before - sys.getrefcount(None)
    true_lost = true_before - sys.getrefcount(True)
    return none_lost >= _PROBES or true_lost >= _PROBES


def guard_singletons() -> bool:
    """Protect ``None``, ``True`` and ``False`` if the binding needs it; return whether it did."""
    global _guarded
    if _guarded:
        return True
    if sys.version_info >= (3, 12) or not binding_drops_references():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _guarded = True
    return True
