"""Awards of a contest's divisions (giải thưởng): rules, computation, review, publication, the
printable results list and the award certificates. Its routes hang on the contests blueprint."""
from . import routes  # noqa: F401
