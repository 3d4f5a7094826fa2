"""What orgs announces to the feature packages, so that orgs imports none of them.

`staff_changed` is sent after a commit that created people or changed their position or unit
(one person saved or back at work, or an import applied), with `person_ids` and/or `employee_codes`; training
listens to assign tracks by job position."""
from blinker import Namespace

_signals = Namespace()
staff_changed = _signals.signal("staff-changed")
