"""The oss2 (PyPI ``oss2`` 2.19.1) sequence shared by ``oss_oss2.py`` (V4, ``oss2.AuthV4``) and
``oss_oss2_v1.py`` (V1, ``oss2.Auth``, on an old account: ``--oss-allow-v1``).

Realistic provisioning and LobeHub-style use: bucket create / info / ACL / Block Public Access / CORS, objects
with awkward keys, range reads, conditional reads, exists-checks that need ``x-oss-err``, listings V1 and V2
with a delimiter and small pages, presigned URLs, object ACLs, batch delete, bucket delete; and refusals:
unknown sub-resources, a wrong secret, a public ACL while Block Public Access is on.
"""

import urllib.parse
import uuid

import oss2
import requests

from sandbox_step import Step, env, resolve_aliyuncs_to_loopback

KEYS = ["files/a b/测试.png", "files/plus+and=eq&amp.txt", "files/x/1.txt", "files/x/2.txt", "root.txt"]


def run(step_name: str, auth: "oss2.AuthBase") -> None:
    step = Step(step_name)
    resolve_aliyuncs_to_loopback()
    region, port = env("SANDBOX_OSS_REGION"), env("SANDBOX_OSS_PORT")
    endpoint = f"http://oss-{region}.aliyuncs.com:{port}"
    name = f"conf-oss2-{uuid.uuid4().hex[:8]}"
    bucket = oss2.Bucket(auth, endpoint, name, region=region)
    service = oss2.Service(auth, endpoint, region=region)

    def answer(exc_or_result):
        if isinstance(exc_or_result, oss2.exceptions.OssError):
            return {"status": exc_or_result.status, "code": exc_or_result.code, "message": exc_or_result.message,
                    "ec": exc_or_result.ec, "request_id": exc_or_result.request_id}
        return exc_or_result

    with step.check("create_bucket (private)", request=f"PUT {name}.oss-{region}") as c:
        result = bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
        c.answer = {"status": result.status}
        c.expect(result.status == 200, "200")

    with step.check("create_bucket again by the owner is 200 (PutBucket is idempotent)") as c:
        c.answer = {"status": bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE).status}

    with step.check("list_buckets finds it", request="GET /?prefix=conf-oss2-") as c:
        names = [b.name for b in oss2.BucketIterator(service, prefix="conf-oss2-")]
        c.answer = names
        c.expect(name in names, "bucket listed")

    with step.check("get_bucket_info") as c:
        info = bucket.get_bucket_info()
        c.answer = {"name": info.name, "acl": info.acl.grant, "location": info.location, "storage": info.storage_class}
        c.expect(info.name == name and info.acl.grant == "private", "name and private ACL")
        c.expect(info.location == f"oss-{region}", "location")

    with step.check("Block Public Access is on for a new bucket") as c:
        c.answer = bucket.get_bucket_public_access_block().block_public_access
        c.expect(c.answer is True, "BlockPublicAccess true")

    with step.check("put_bucket_acl public-read while BPA is on -> 403 AccessDenied", request="PUT /?acl x-oss-acl: public-read") as c:
        try:
            bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
            c.expect(False, "refused")
        except oss2.exceptions.AccessDenied as e:
            c.answer = answer(e)
            c.expect("Put public bucket acl is not allowed" in e.message, "documented message")
        c.expect(bucket.get_bucket_acl().acl == "private", "ACL unchanged")

    with step.check("put/get CORS (LobeHub's minimum: origin, PUT/GET/HEAD, content-type)") as c:
        rule = oss2.models.CorsRule(allowed_origins=["https://chat.example.com"], allowed_methods=["PUT", "GET", "HEAD"],
                                    allowed_headers=["content-type"], max_age_seconds=3600)
        bucket.put_bucket_cors(oss2.models.BucketCors([rule]))
        got = bucket.get_bucket_cors().rules
        c.answer = [vars(r) for r in got]
        c.expect(len(got) == 1 and got[0].allowed_origins == ["https://chat.example.com"], "one rule, exact origin")
        c.expect(sorted(got[0].allowed_methods) == ["GET", "HEAD", "PUT"], "methods")

    with step.check("CORS preflight for PUT with content-type from the APP_URL origin", request="OPTIONS /files/a") as c:
        r = requests.options(f"http://{name}.oss-{region}.aliyuncs.com:{port}/files/a",
                             headers={"Origin": "https://chat.example.com", "Access-Control-Request-Method": "PUT",
                                      "Access-Control-Request-Headers": "content-type"}, timeout=10)
        c.answer = {"status": r.status_code, "headers": dict(r.headers)}
        c.expect(r.status_code == 200, "200")
        c.expect(r.headers.get("Access-Control-Allow-Origin") == "https://chat.example.com", "origin echoed")

    with step.check("put_object with awkward keys", request=KEYS) as c:
        for k in KEYS:
            r = bucket.put_object(k, ("body of " + k).encode(), headers={"Content-Type": "text/plain"})
            c.expect(r.status == 200, f"PUT {k}")
        c.answer = "stored"

    with step.check("get_object round trip, content type kept") as c:
        r = bucket.get_object(KEYS[0])
        body = r.read()
        c.answer = {"body": body, "content_type": r.headers.get("Content-Type")}
        c.expect(body == ("body of " + KEYS[0]).encode(), "bytes")
        c.expect(r.headers.get("Content-Type") == "text/plain", "content type")

    with step.check("range read bytes=0-3 -> 206", request="Range: bytes=0-3") as c:
        r = bucket.get_object(KEYS[4], byte_range=(0, 3))
        c.answer = {"status": r.status, "body": r.read(), "content_range": r.headers.get("Content-Range")}
        c.expect(r.status == 206 and c.answer["body"] == b"body", "206 with 4 bytes")

    with step.check("If-None-Match: current ETag -> 304 NotModified") as c:
        etag = bucket.head_object(KEYS[4]).etag
        try:
            bucket.get_object(KEYS[4], headers={"If-None-Match": f'"{etag}"'})
            c.expect(False, "304 raises NotModified")
        except oss2.exceptions.NotModified as e:
            c.answer = answer(e)

    with step.check("object_exists true/false (HEAD; x-oss-err tells NoSuchKey)") as c:
        c.answer = {"present": bucket.object_exists(KEYS[4]), "absent": bucket.object_exists("no/such/key")}
        c.expect(c.answer == {"present": True, "absent": False}, "True then False")

    with step.check("head_object on a missing key raises NoSuchKey (code read from x-oss-err)") as c:
        try:
            bucket.head_object("no/such/key")
            c.expect(False, "raises")
        except oss2.exceptions.NoSuchKey as e:
            c.answer = answer(e)
            c.expect(e.code == "NoSuchKey", "code NoSuchKey, not a code-less NotFound")

    with step.check("ObjectIterator (V1) with delimiter and max_keys=2 pages to the end") as c:
        seen = [(o.key, o.is_prefix()) for o in oss2.ObjectIterator(bucket, prefix="files/", delimiter="/", max_keys=2)]
        c.answer = seen
        c.expect(sorted(k for k, _ in seen) == ["files/a b/", "files/plus+and=eq&amp.txt", "files/x/"], "grouped")

    with step.check("ObjectIteratorV2 (list-type=2) without delimiter, max_keys=2") as c:
        seen = [o.key for o in oss2.ObjectIteratorV2(bucket, max_keys=2)]
        c.answer = seen
        c.expect(sorted(seen) == sorted(KEYS), "every key once")

    with step.check("sign_url GET (presigned) is readable with plain HTTP") as c:
        url = bucket.sign_url("GET", KEYS[1], 300)
        r = requests.get(url, timeout=10)
        c.answer = {"url": url, "status": r.status_code, "body": r.text}
        c.expect(r.status_code == 200 and r.text == "body of " + KEYS[1], "200 with the bytes")

    with step.check("sign_url PUT with a Content-Type, then read back") as c:
        url = bucket.sign_url("PUT", "presigned/up.png", 300, headers={"Content-Type": "image/png"})
        r = requests.put(url, data=b"PNG", headers={"Content-Type": "image/png"}, timeout=10)
        c.answer = {"status": r.status_code, "body": r.text}
        c.expect(r.status_code == 200, "200")
        c.expect(bucket.get_object("presigned/up.png").read() == b"PNG", "stored")

    with step.check("a tampered presigned URL is refused (SignatureDoesNotMatch)") as c:
        url = bucket.sign_url("GET", KEYS[1], 300)
        parts = urllib.parse.urlsplit(url)
        tampered = urllib.parse.urlunsplit(parts._replace(path="/root.txt"))
        r = requests.get(tampered, timeout=10)
        c.answer = {"status": r.status_code, "body": r.text}
        c.expect(r.status_code == 403 and "SignatureDoesNotMatch" in r.text, "403 SignatureDoesNotMatch")

    with step.check("put_object_acl public-read while BPA is on -> AccessDenied; get_object_acl default") as c:
        try:
            bucket.put_object_acl(KEYS[4], oss2.OBJECT_ACL_PUBLIC_READ)
            c.expect(False, "refused")
        except oss2.exceptions.AccessDenied as e:
            c.answer = answer(e)
        c.expect(bucket.get_object_acl(KEYS[4]).acl == "default", "ACL unchanged")
        c.expect(bucket.get_object(KEYS[4]).read() == b"body of root.txt", "bytes unchanged")

    with step.check("put_object_acl private works; get_object_acl reads it") as c:
        bucket.put_object_acl(KEYS[4], oss2.OBJECT_ACL_PRIVATE)
        c.answer = bucket.get_object_acl(KEYS[4]).acl
        c.expect(c.answer == "private", "private")

    with step.check("an unsupported sub-resource (GET /?policy) is refused, not a listing") as c:
        try:
            r = bucket.get_bucket_policy()
            c.answer = {"status": r.status}
            c.expect(False, "refused")
        except oss2.exceptions.OssError as e:
            c.answer = answer(e)
            c.expect(e.status in (404, 405), "an error, not an object listing")

    with step.check("a wrong secret is refused with SignatureDoesNotMatch") as c:
        bad = oss2.Bucket(type(auth)(env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), "wrong-secret"), endpoint, name, region=region)
        try:
            bad.get_bucket_info()
            c.expect(False, "refused")
        except oss2.exceptions.SignatureDoesNotMatch as e:
            c.answer = answer(e)

    with step.check("batch_delete_objects (POST /?delete with Content-MD5)") as c:
        keys = KEYS + ["presigned/up.png", "never/existed"]
        result = bucket.batch_delete_objects(keys)
        c.answer = result.deleted_keys
        c.expect(sorted(result.deleted_keys) == sorted(keys), "every key reported deleted")
        c.expect(not list(oss2.ObjectIterator(bucket)), "bucket empty")

    with step.check("delete_cors, delete_bucket, then NoSuchBucket") as c:
        bucket.delete_bucket_cors()
        bucket.delete_bucket()
        try:
            bucket.get_bucket_info()
            c.expect(False, "gone")
        except oss2.exceptions.NoSuchBucket as e:
            c.answer = answer(e)

    step.finish()
