"""Where the reference implementation is: ../shared/oracle/libvirt-domcaps
beside the checkout (searched upward from the tests), or $DOMCAPS_ORACLE."""
import os

TESTS = os.path.dirname(os.path.abspath(__file__))


def find_oracle():
    if os.environ.get("DOMCAPS_ORACLE"):
        return os.environ["DOMCAPS_ORACLE"]
    d = TESTS
    for _ in range(6):
        cand = os.path.join(d, "shared", "oracle", "libvirt-domcaps")
        if os.path.exists(cand):
            return cand
        d = os.path.dirname(d)
    return None
