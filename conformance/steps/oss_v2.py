"""alibabacloud-oss-v2 1.4.1 (V4 by default) against the OSS simulator: bucket create / info / ACL / Block Public
Access / CORS, objects, range and conditional reads, exists-checks (HEAD errors need ``x-oss-err``), ListObjects
and ListObjectsV2 paginators with a delimiter and small pages, presigned GET and PUT, object ACLs, batch delete,
and refusals (unknown sub-resource, public ACL under BPA, wrong secret)."""

import datetime
import uuid

import alibabacloud_oss_v2 as oss
import requests
from alibabacloud_oss_v2.models import bucket_public_access_block as bpa

from sandbox_step import Step, env, resolve_aliyuncs_to_loopback

step = Step("oss_v2")
resolve_aliyuncs_to_loopback()
region, port = env("SANDBOX_OSS_REGION"), env("SANDBOX_OSS_PORT")
ak, sk = env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET")


def client_for(secret: str) -> oss.Client:
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(ak, secret)
    cfg.region = region
    cfg.endpoint = f"http://oss-{region}.aliyuncs.com:{port}"
    cfg.retry_max_attempts = 1
    return oss.Client(cfg)


def service_error(exc: Exception):
    """The ServiceError inside an SDK OperationError, if any."""
    inner = getattr(exc, "unwrap", lambda: None)()
    return inner if isinstance(inner, oss.exceptions.ServiceError) else None


def err_answer(exc: Exception):
    se = service_error(exc)
    if se is None:
        return {"error": repr(exc)}
    return {"status": se.status_code, "code": se.code, "message": se.message, "ec": se.ec, "request_id": se.request_id}


client = client_for(sk)
name = f"conf-v2-{uuid.uuid4().hex[:8]}"
keys = ["docs/a b.txt", "docs/中文.txt", "docs/sub/1.txt", "docs/sub/2.txt", "top+plus.txt"]

with step.check("put_bucket (private, Standard)", request=f"PUT {name}") as c:
    r = client.put_bucket(oss.PutBucketRequest(bucket=name, acl="private",
                                               create_bucket_configuration=oss.CreateBucketConfiguration(storage_class="Standard")))
    c.answer = {"status": r.status_code}
    c.expect(r.status_code == 200, "200")

with step.check("is_bucket_exist true, and false for a missing bucket (HEAD-style check)") as c:
    c.answer = {"mine": client.is_bucket_exist(name), "missing": client.is_bucket_exist(name + "-missing")}
    c.expect(c.answer == {"mine": True, "missing": False}, "True/False")

with step.check("get_bucket_info / get_bucket_acl / get_bucket_location") as c:
    info = client.get_bucket_info(oss.GetBucketInfoRequest(bucket=name)).bucket_info
    acl = client.get_bucket_acl(oss.GetBucketAclRequest(bucket=name)).acl
    loc = client.get_bucket_location(oss.GetBucketLocationRequest(bucket=name)).location
    c.answer = {"name": info.name, "acl": acl, "location": loc}
    c.expect(info.name == name and acl == "private" and loc == f"oss-{region}", "values")

with step.check("get_bucket_public_access_block: on for a new bucket") as c:
    r = client.get_bucket_public_access_block(oss.GetBucketPublicAccessBlockRequest(bucket=name))
    c.answer = r.public_access_block_configuration.block_public_access
    c.expect(c.answer is True, "true")

with step.check("put_bucket_acl public-read while BPA is on -> AccessDenied") as c:
    try:
        client.put_bucket_acl(oss.PutBucketAclRequest(bucket=name, acl="public-read"))
        c.expect(False, "refused")
    except oss.exceptions.OperationError as e:
        c.answer = err_answer(e)
        c.expect(c.answer.get("code") == "AccessDenied", "AccessDenied")

with step.check("put/get CORS") as c:
    rule = oss.CORSRule(allowed_origins=["https://chat.example.com"], allowed_methods=["PUT", "GET", "HEAD"],
                        allowed_headers=["content-type"], max_age_seconds=3600)
    client.put_bucket_cors(oss.PutBucketCorsRequest(bucket=name, cors_configuration=oss.CORSConfiguration(cors_rules=[rule], response_vary=False)))
    got = client.get_bucket_cors(oss.GetBucketCorsRequest(bucket=name)).cors_configuration
    c.answer = [r.allowed_origins for r in got.cors_rules]
    c.expect(got.cors_rules[0].allowed_origins == ["https://chat.example.com"], "origin")

with step.check("put_object with awkward keys and a content type", request=keys) as c:
    for k in keys:
        r = client.put_object(oss.PutObjectRequest(bucket=name, key=k, body=("data:" + k).encode(), content_type="text/plain"))
        c.expect(r.status_code == 200, f"PUT {k}")
    c.answer = "stored"

with step.check("get_object round trip") as c:
    r = client.get_object(oss.GetObjectRequest(bucket=name, key=keys[1]))
    c.answer = {"body": r.body.read(), "content_type": r.content_type, "etag": r.etag}
    c.expect(c.answer["body"] == ("data:" + keys[1]).encode() and r.content_type == "text/plain", "bytes and type")

with step.check("Range bytes=0-3 -> 206 with 4 bytes") as c:
    r = client.get_object(oss.GetObjectRequest(bucket=name, key=keys[4], range_header="bytes=0-3", range_behavior="standard"))
    c.answer = {"status": r.status_code, "body": r.body.read(), "content_range": r.content_range}
    c.expect(r.status_code == 206 and c.answer["body"] == b"data", "206")

with step.check("If-None-Match with the current ETag -> 304 (NotModified)") as c:
    etag = client.head_object(oss.HeadObjectRequest(bucket=name, key=keys[4])).etag
    try:
        r = client.get_object(oss.GetObjectRequest(bucket=name, key=keys[4], if_none_match=etag))
        c.answer = {"status": r.status_code}
        c.expect(False, "304")
    except oss.exceptions.OperationError as e:
        c.answer = err_answer(e)
        c.expect(c.answer.get("status") == 304, "304")

with step.check("is_object_exist true/false; head_object on a missing key is NoSuchKey (x-oss-err)") as c:
    present = client.is_object_exist(name, keys[0])
    absent = client.is_object_exist(name, "no/such")
    try:
        client.head_object(oss.HeadObjectRequest(bucket=name, key="no/such"))
        c.expect(False, "404")
    except oss.exceptions.OperationError as e:
        c.answer = {"present": present, "absent": absent, "head": err_answer(e)}
        c.expect(present and not absent, "True/False")
        c.expect(c.answer["head"].get("code") == "NoSuchKey", "code NoSuchKey, not BadErrorResponse")

with step.check("list_objects_v2_paginator with delimiter '/' and max_keys 2") as c:
    seen = []
    for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=name, delimiter="/", max_keys=2)):
        seen += [o.key for o in page.contents or []] + [p.prefix for p in page.common_prefixes or []]
        c.expect(len(seen) < 50, "the paginator ends")
    c.answer = seen
    c.expect(sorted(seen) == ["docs/", "top+plus.txt"], "grouped")

with step.check("list_objects_v2_paginator under docs/, max_keys 1, every key once") as c:
    seen = []
    for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=name, prefix="docs/", max_keys=1)):
        c.expect(page.key_count is not None, "KeyCount present")
        seen += [o.key for o in page.contents or []]
        c.expect(len(seen) < 50, "the paginator ends")
    c.answer = seen
    c.expect(sorted(seen) == sorted(k for k in keys if k.startswith("docs/")), "every key")

with step.check("list_objects_paginator (V1, marker) with delimiter") as c:
    seen = []
    for page in client.list_objects_paginator().iter_page(oss.ListObjectsRequest(bucket=name, prefix="docs/", delimiter="/", max_keys=1)):
        seen += [o.key for o in page.contents or []] + [p.prefix for p in page.common_prefixes or []]
        c.expect(len(seen) < 50, "the paginator ends")
    c.answer = seen
    c.expect(sorted(seen) == ["docs/a b.txt", "docs/sub/", "docs/中文.txt"], "grouped")

with step.check("presign GET, read with plain HTTP") as c:
    p = client.presign(oss.GetObjectRequest(bucket=name, key=keys[0]), expires=datetime.timedelta(minutes=5))
    r = requests.get(p.url, timeout=10)
    c.answer = {"url": p.url, "status": r.status_code, "body": r.text}
    c.expect(r.status_code == 200 and r.text == "data:" + keys[0], "200")

with step.check("presign PUT with a Content-Type, upload, read back") as c:
    p = client.presign(oss.PutObjectRequest(bucket=name, key="up/photo.png", content_type="image/png"), expires=datetime.timedelta(minutes=5))
    r = requests.put(p.url, data=b"PNG", headers={"Content-Type": "image/png", **(p.signed_headers or {})}, timeout=10)
    c.answer = {"status": r.status_code, "body": r.text}
    c.expect(r.status_code == 200, "200")
    got = client.get_object(oss.GetObjectRequest(bucket=name, key="up/photo.png"))
    c.expect(got.body.read() == b"PNG" and got.content_type == "image/png", "stored with its type")

with step.check("put_object_acl public-read refused under BPA; private accepted; get_object_acl") as c:
    try:
        client.put_object_acl(oss.PutObjectAclRequest(bucket=name, key=keys[0], acl="public-read"))
        c.expect(False, "refused")
    except oss.exceptions.OperationError as e:
        c.answer = err_answer(e)
    client.put_object_acl(oss.PutObjectAclRequest(bucket=name, key=keys[0], acl="private"))
    acl = client.get_object_acl(oss.GetObjectAclRequest(bucket=name, key=keys[0])).acl
    c.expect(acl == "private", "private")
    c.expect(client.get_object(oss.GetObjectRequest(bucket=name, key=keys[0])).body.read() == ("data:" + keys[0]).encode(), "bytes untouched")

with step.check("unsupported sub-resources change nothing (object tagging, bucket lifecycle)") as c:
    answers = []
    for call in (lambda: client.put_object_tagging(oss.PutObjectTaggingRequest(bucket=name, key=keys[0], tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="a", value="b")])))),
                 lambda: client.delete_bucket_lifecycle(oss.DeleteBucketLifecycleRequest(bucket=name))):
        try:
            call()
            answers.append("accepted")
        except oss.exceptions.OperationError as e:
            answers.append(err_answer(e))
    c.answer = answers
    c.expect(all(a != "accepted" for a in answers), "refused")
    c.expect(client.get_object(oss.GetObjectRequest(bucket=name, key=keys[0])).body.read() == ("data:" + keys[0]).encode(), "object intact")
    c.expect(client.is_bucket_exist(name), "bucket intact")

with step.check("a wrong secret: SignatureDoesNotMatch") as c:
    try:
        client_for("wrong-secret").get_bucket_info(oss.GetBucketInfoRequest(bucket=name))
        c.expect(False, "refused")
    except oss.exceptions.OperationError as e:
        c.answer = err_answer(e)
        c.expect(c.answer.get("code") == "SignatureDoesNotMatch", "SignatureDoesNotMatch")

with step.check("delete_multiple_objects, verbose") as c:
    all_keys = keys + ["up/photo.png", "never/existed"]
    r = client.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(bucket=name, objects=[oss.DeleteObject(key=k) for k in all_keys], quiet=False))
    deleted = [d.key for d in r.deleted_objects or []]
    c.answer = deleted
    c.expect(sorted(deleted) == sorted(all_keys), "every key reported")

with step.check("delete_bucket_cors, delete_bucket, then NoSuchBucket") as c:
    client.delete_bucket_cors(oss.DeleteBucketCorsRequest(bucket=name))
    client.delete_bucket(oss.DeleteBucketRequest(bucket=name))
    try:
        client.get_bucket_info(oss.GetBucketInfoRequest(bucket=name))
        c.expect(False, "gone")
    except oss.exceptions.OperationError as e:
        c.answer = err_answer(e)
        c.expect(c.answer.get("code") == "NoSuchBucket", "NoSuchBucket")

step.finish()
