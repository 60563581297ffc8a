"""oss2 2.19.1 with V4 signatures (``oss2.AuthV4``) against the OSS simulator: the shared sequence of
``lib/oss_oss2_common.py``, plus the V1 refusal a new account gets (403, EC 0002-00000080)."""

import sys

import oss2

from oss_oss2_common import run  # noqa: E402
from sandbox_step import env  # noqa: E402

ak, sk = env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET")


def v1_refused() -> None:
    region, port = env("SANDBOX_OSS_REGION"), env("SANDBOX_OSS_PORT")
    service = oss2.Service(oss2.Auth(ak, sk), f"http://oss-{region}.aliyuncs.com:{port}")
    try:
        service.list_buckets()
        print("FAIL oss_oss2: V1 accepted on a new account")
        print("  request: GET / (V1)\n  answer:  200")
        sys.exit(1)
    except oss2.exceptions.AccessDenied as e:
        if e.ec != "0002-00000080":
            print(f"FAIL oss_oss2: V1 refused with EC {e.ec}, expected 0002-00000080\n  answer: {e.details}")
            sys.exit(1)
        print("ok   oss_oss2: V1 (oss2.Auth) refused for a new account with EC 0002-00000080")


from sandbox_step import resolve_aliyuncs_to_loopback  # noqa: E402

resolve_aliyuncs_to_loopback()
v1_refused()
run("oss_oss2", oss2.AuthV4(ak, sk))
