// ali-oss 6.23.0 with V4 signatures (`authorizationV4: true`) against the OSS simulator: bucket create / info /
// ACL / CORS, objects, Range, HEAD errors via x-oss-err, list (V1) and listV2 paging, presigned GET, object
// ACLs under Block Public Access, an unsupported sub-resource, batch delete; V1 presigning refused for a new
// account. The sequence is lib/oss_ali_oss_common.mjs.
import { run } from "../lib/oss_ali_oss_common.mjs";

await run("oss_ali_oss", { v4: true });
