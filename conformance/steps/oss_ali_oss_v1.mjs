// sandbox-flags: --oss-allow-v1
// ali-oss 6.23.0 with its default V1 signatures on an old account that may still use them: the sequence of
// lib/oss_ali_oss_common.mjs.
import { run } from "../lib/oss_ali_oss_common.mjs";

await run("oss_ali_oss_v1", { v4: false });
