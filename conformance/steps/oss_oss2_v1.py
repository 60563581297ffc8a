# sandbox-flags: --oss-allow-v1
"""oss2 2.19.1 with V1 signatures (``oss2.Auth``, its default) on an old account that may still use them: the
shared sequence of ``lib/oss_oss2_common.py``."""

import oss2

from oss_oss2_common import run  # noqa: E402
from sandbox_step import env  # noqa: E402

run("oss_oss2_v1", oss2.Auth(env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET")))
