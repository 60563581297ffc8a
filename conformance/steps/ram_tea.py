"""RAM with the official Tea SDK (`alibabacloud_ram20150501` 1.3.0 over `alibabacloud_tea_openapi` 0.4.6), both
signature versions: V3 `ACS3-HMAC-SHA256` (the SDK's default) and RPC V2 `HMAC-SHA1`
(`Config.signature_algorithm = "v2"`), pointed at SANDBOX_RAM_ENDPOINT under RAM's real host name
`ram.aliyuncs.com:<port>` (resolved to 127.0.0.1).

The lifecycle a provisioning run needs, with each answer checked against the SDK's response models and
RAM's documented rules (shared/reference/aliyun-oss-ram.md §3.3–3.4): users (create, get, paged list,
conflicts), access keys (secret shown once, two-key limit, update, delete), custom policies (create, get, list,
attach, list for user, detach, delete) and DeleteUser refused while keys or policies remain.
"""

import json
from urllib.parse import urlparse

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client
from alibabacloud_tea_openapi.models import Config
from sandbox_step import Step, env, resolve_aliyuncs_to_loopback

resolve_aliyuncs_to_loopback()
PORT = urlparse(env("SANDBOX_RAM_ENDPOINT")).port
ENDPOINT = f"ram.aliyuncs.com:{PORT}"
KEY_ID = env("SANDBOX_ALIYUN_ACCESS_KEY_ID")
KEY_SECRET = env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET")

POLICY_DOC = json.dumps(
    {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["oss:PutObject", "oss:GetObject", "oss:DeleteObject"],
                "Resource": ["acs:oss:*:*:lobehub-assets/*"],
            },
            {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": ["acs:oss:*:*:lobehub-assets"]},
        ],
    },
    separators=(",", ":"),
)

step = Step("ram_tea")


def client(signature: str, key_id: str = KEY_ID, secret: str = KEY_SECRET) -> Client:
    config = Config(access_key_id=key_id, access_key_secret=secret, endpoint=ENDPOINT, protocol="http")
    if signature == "v2":
        config.signature_algorithm = "v2"  # do_rpcrequest: GET/POST with SignatureMethod=HMAC-SHA1
    # Fail fast: no SDK-side retries hiding a simulator answer.
    config.read_timeout = 10000
    config.connect_timeout = 5000
    return Client(config)


def body(resp) -> dict:
    """The response body as the SDK decoded it (its model's to_map), with the HTTP status."""
    out = resp.body.to_map() if resp.body is not None else {}
    out["_status"] = resp.status_code
    return out


def redacted(d: dict) -> dict:
    """A copy without AccessKeySecret values (never printed)."""
    text = json.dumps(d, default=str)
    obj = json.loads(text)

    def walk(x):
        if isinstance(x, dict):
            return {k: ("<secret>" if k == "AccessKeySecret" else walk(v)) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(obj)


def expect_error(c, call, code: str, status: int) -> None:
    """`call()` must raise the SDK's ClientException with this code and status, and RAM's error envelope."""
    try:
        resp = call()
    except Exception as e:  # the SDK's ClientException / ServerException
        data = getattr(e, "data", None) or {}
        c.answer = {"exception": type(e).__name__, "code": getattr(e, "code", None), "data": data}
        c.expect(type(e).__name__ == "ClientException", f"a ClientException, not {type(e).__name__}")
        c.expect(getattr(e, "code", None) == code, f"error code {code}")
        c.expect(data.get("statusCode") == status, f"HTTP {status}")
        c.expect(bool(data.get("RequestId")) and data.get("RequestId") == getattr(e, "request_id", None),
                 "RequestId in the error body, read by the SDK")
        c.expect(data.get("HostId") == "ram.aliyuncs.com" and bool(data.get("Message")), "HostId and Message")
        return
    c.answer = body(resp)
    c.expect(False, f"refused with {code}")


def common_checks(c, resp) -> dict:
    b = body(resp)
    c.answer = redacted(b)
    c.expect(b["_status"] == 200, "HTTP 200")
    c.expect(bool(b.get("RequestId")), "RequestId in the body")
    c.expect(resp.headers.get("x-acs-request-id") == b.get("RequestId"), "x-acs-request-id header = RequestId")
    return b


def lifecycle(sig: str) -> None:
    ram = client(sig)
    tag = f"[{sig}]"
    user = f"lobehub-oss-{sig}"
    policy = f"lobehub-oss-rw-{sig}"

    req = ram_models.CreateUserRequest(user_name=user, display_name="LobeHub OSS", comments="conformance")
    with step.check(f"{tag} CreateUser", request=req.to_map()) as c:
        b = common_checks(c, ram.create_user(req))
        u = b.get("User", {})
        c.expect(u.get("UserName") == user and u.get("DisplayName") == "LobeHub OSS", "UserName, DisplayName")
        c.expect(u.get("Comments") == "conformance", "Comments")
        c.expect(str(u.get("UserId", "")).isdigit(), "a numeric UserId")
        c.expect(str(u.get("CreateDate", "")).endswith("Z"), "CreateDate in UTC ISO 8601")

    with step.check(f"{tag} CreateUser again: 409 EntityAlreadyExists.User", request=req.to_map()) as c:
        expect_error(c, lambda: ram.create_user(req), "EntityAlreadyExists.User", 409)

    req = ram_models.GetUserRequest(user_name=user)
    with step.check(f"{tag} GetUser", request=req.to_map()) as c:
        b = common_checks(c, ram.get_user(req))
        c.expect(b.get("User", {}).get("UserName") == user, "UserName")
        c.expect(bool(b.get("User", {}).get("UpdateDate")), "UpdateDate")

    req = ram_models.GetUserRequest(user_name="no-such-user")
    with step.check(f"{tag} GetUser of a missing user: 404 EntityNotExist.User", request=req.to_map()) as c:
        expect_error(c, lambda: ram.get_user(req), "EntityNotExist.User", 404)

    req = ram_models.CreateUserRequest(user_name="bad name!")
    with step.check(f"{tag} CreateUser with an invalid name is refused", request=req.to_map()) as c:
        expect_error(c, lambda: ram.create_user(req), "InvalidParameter.UserName.InvalidChars", 400)

    # Paged listing: one user per page, every user seen exactly once, the marker absent on the last page.
    with step.check(f"{tag} ListUsers paged with MaxItems=1 and Marker", request="MaxItems=1, then Marker") as c:
        seen, marker, pages = [], None, 0
        while pages < 50:
            pages += 1
            b = common_checks(c, ram.list_users(ram_models.ListUsersRequest(max_items=1, marker=marker)))
            users = b.get("Users", {}).get("User", [])
            c.expect(len(users) <= 1, "at most MaxItems users per page")
            seen += [u["UserName"] for u in users]
            if not b.get("IsTruncated"):
                c.expect("Marker" not in b, "no Marker on the last page")
                break
            c.expect(bool(b.get("Marker")), "a Marker when IsTruncated")
            marker = b["Marker"]
        c.answer = {"pages": pages, "users": seen}
        c.expect(user in seen, "the new user listed")
        c.expect(len(seen) == len(set(seen)), "no user listed twice")

    with step.check(f"{tag} ListUsers with MaxItems=0 is refused", request="MaxItems=0") as c:
        expect_error(c, lambda: ram.list_users(ram_models.ListUsersRequest(max_items=0)),
                     "InvalidParameter.MaxItems", 400)

    # Access keys: the secret once, at most two per user.
    keys = []
    req = ram_models.CreateAccessKeyRequest(user_name=user)
    for n in (1, 2):
        with step.check(f"{tag} CreateAccessKey #{n}: the secret is in this answer", request=req.to_map()) as c:
            b = common_checks(c, ram.create_access_key(req))
            k = b.get("AccessKey", {})
            c.expect(bool(k.get("AccessKeyId")) and bool(k.get("AccessKeySecret")), "AccessKeyId and AccessKeySecret")
            c.expect(k.get("Status") == "Active", "Status Active")
            c.expect(bool(k.get("CreateDate")), "CreateDate")
            keys.append((k["AccessKeyId"], k["AccessKeySecret"]))

    with step.check(f"{tag} a third CreateAccessKey: 409 LimitExceeded.User.AccessKey", request=req.to_map()) as c:
        expect_error(c, lambda: ram.create_access_key(req), "LimitExceeded.User.AccessKey", 409)

    req = ram_models.ListAccessKeysRequest(user_name=user)
    with step.check(f"{tag} ListAccessKeys: both keys, no secrets", request=req.to_map()) as c:
        b = common_checks(c, ram.list_access_keys(req))
        listed = b.get("AccessKeys", {}).get("AccessKey", [])
        c.expect(sorted(k["AccessKeyId"] for k in listed) == sorted(k for k, _ in keys), "the two keys")
        c.expect(all("AccessKeySecret" not in k for k in listed), "no AccessKeySecret")
        c.expect(all(k.get("Status") == "Active" and k.get("CreateDate") for k in listed), "Status, CreateDate")

    # The new key works (a RAM user's key may call RAM only with a policy allowing it: NoPermission).
    if keys:
        with step.check(f"{tag} the new key signs requests; without ram:* permission it gets 403 NoPermission",
                        request="GetUser with the user's own key") as c:
            as_user = client(sig, keys[0][0], keys[0][1])
            expect_error(c, lambda: as_user.get_user(ram_models.GetUserRequest(user_name=user)), "NoPermission", 403)

        req = ram_models.UpdateAccessKeyRequest(user_name=user, user_access_key_id=keys[0][0], status="Inactive")
        with step.check(f"{tag} UpdateAccessKey to Inactive", request=req.to_map()) as c:
            common_checks(c, ram.update_access_key(req))
            b = body(ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name=user)))
            c.answer = b
            status = {k["AccessKeyId"]: k["Status"] for k in b.get("AccessKeys", {}).get("AccessKey", [])}
            c.expect(status.get(keys[0][0]) == "Inactive", "listed as Inactive")

        with step.check(f"{tag} an Inactive key is refused: InvalidAccessKeyId.Inactive", request="GetUser") as c:
            as_user = client(sig, keys[0][0], keys[0][1])
            expect_error(c, lambda: as_user.get_user(ram_models.GetUserRequest(user_name=user)),
                         "InvalidAccessKeyId.Inactive", 400)

    with step.check(f"{tag} a wrong secret is refused: SignatureDoesNotMatch", request="GetUser, wrong secret") as c:
        forged = client(sig, KEY_ID, KEY_SECRET + "x")
        expect_error(c, lambda: forged.get_user(ram_models.GetUserRequest(user_name=user)),
                     "SignatureDoesNotMatch", 400)

    with step.check(f"{tag} an unknown key id is refused: InvalidAccessKeyId.NotFound", request="GetUser") as c:
        unknown = client(sig, "LTAI5tNoSuchKey000000000", "whatever")
        expect_error(c, lambda: unknown.get_user(ram_models.GetUserRequest(user_name=user)),
                     "InvalidAccessKeyId.NotFound", 404)

    # Policies.
    req = ram_models.CreatePolicyRequest(policy_name=policy, policy_document=POLICY_DOC, description="LobeHub OSS rw")
    with step.check(f"{tag} CreatePolicy", request=req.to_map()) as c:
        b = common_checks(c, ram.create_policy(req))
        p = b.get("Policy", {})
        c.expect(p.get("PolicyName") == policy and p.get("PolicyType") == "Custom", "PolicyName, PolicyType Custom")
        c.expect(p.get("DefaultVersion") == "v1" and p.get("Description") == "LobeHub OSS rw", "v1, Description")

    with step.check(f"{tag} CreatePolicy again: 409 EntityAlreadyExists.Policy", request=req.to_map()) as c:
        expect_error(c, lambda: ram.create_policy(req), "EntityAlreadyExists.Policy", 409)

    bad = ram_models.CreatePolicyRequest(policy_name=policy + "-bad", policy_document="{not json")
    with step.check(f"{tag} CreatePolicy with a malformed document: MalformedPolicyDocument", request=bad.to_map()) as c:
        expect_error(c, lambda: ram.create_policy(bad), "MalformedPolicyDocument", 400)

    req = ram_models.GetPolicyRequest(policy_name=policy, policy_type="Custom")
    with step.check(f"{tag} GetPolicy: the default version's document", request=req.to_map()) as c:
        b = common_checks(c, ram.get_policy(req))
        c.expect(b.get("Policy", {}).get("AttachmentCount") == 0, "AttachmentCount 0")
        dv = b.get("DefaultPolicyVersion", {})
        c.expect(dv.get("VersionId") == "v1" and dv.get("IsDefaultVersion") is True, "v1 is the default")
        c.expect(json.loads(dv.get("PolicyDocument", "{}")) == json.loads(POLICY_DOC), "the document as created")

    # Policy versions: five at most; RotateStrategy lets RAM make room (what provision's policy update sends).
    vpol = policy + "-v"
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name=vpol, policy_document=POLICY_DOC))
    for i in range(2, 6):
        req = ram_models.CreatePolicyVersionRequest(policy_name=vpol, policy_document=POLICY_DOC)
        with step.check(f"{tag} CreatePolicyVersion v{i}", request=req.to_map()) as c:
            v = common_checks(c, ram.create_policy_version(req)).get("PolicyVersion", {})
            c.expect(v.get("VersionId") == f"v{i}" and v.get("IsDefaultVersion") is False, f"v{i}, not the default")

    req = ram_models.CreatePolicyVersionRequest(policy_name=vpol, policy_document=POLICY_DOC, set_as_default=True)
    with step.check(f"{tag} a sixth version without RotateStrategy: LimitExceeded.Policy.Version",
                    request=req.to_map()) as c:
        expect_error(c, lambda: ram.create_policy_version(req), "LimitExceeded.Policy.Version", 409)

    req = ram_models.CreatePolicyVersionRequest(
        policy_name=vpol, policy_document=POLICY_DOC, set_as_default=True,
        rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded")
    with step.check(f"{tag} CreatePolicyVersion with RotateStrategy: the oldest non-default version goes",
                    request=req.to_map()) as c:
        v = common_checks(c, ram.create_policy_version(req)).get("PolicyVersion", {})
        c.expect(v.get("VersionId") == "v6" and v.get("IsDefaultVersion") is True, "v6, the new default")
        b = body(ram.list_policy_versions(ram_models.ListPolicyVersionsRequest(policy_name=vpol, policy_type="Custom")))
        versions = b.get("PolicyVersions", {}).get("PolicyVersion", [])
        ids = sorted(x.get("VersionId") for x in versions)
        c.answer = {"versions": ids}
        c.expect(ids == ["v1", "v3", "v4", "v5", "v6"], "v2 (the oldest non-default) deleted, v1 kept")
        c.expect([x.get("VersionId") for x in versions if x.get("IsDefaultVersion")] == ["v6"], "v6 the only default")

    req = ram_models.DeletePolicyRequest(policy_name=vpol, cascading_delete=True)
    with step.check(f"{tag} DeletePolicy with CascadingDelete: its versions go with it", request=req.to_map()) as c:
        common_checks(c, ram.delete_policy(req))

    with step.check(f"{tag} ListPolicies (Custom, paged)", request="PolicyType=Custom, MaxItems=1") as c:
        seen, marker, pages = [], None, 0
        while pages < 50:
            pages += 1
            b = common_checks(c, ram.list_policies(
                ram_models.ListPoliciesRequest(policy_type="Custom", max_items=1, marker=marker)))
            items = b.get("Policies", {}).get("Policy", [])
            c.expect(all(p.get("PolicyType") == "Custom" for p in items), "only Custom policies")
            seen += [p["PolicyName"] for p in items]
            if not b.get("IsTruncated"):
                break
            marker = b.get("Marker")
            c.expect(bool(marker), "a Marker when IsTruncated")
        c.answer = {"pages": pages, "policies": seen}
        c.expect(policy in seen and len(seen) == len(set(seen)), "the policy listed once")

    with step.check(f"{tag} ListPolicies (System) has AliyunOSSFullAccess", request="PolicyType=System") as c:
        b = common_checks(c, ram.list_policies(ram_models.ListPoliciesRequest(policy_type="System")))
        names = [p["PolicyName"] for p in b.get("Policies", {}).get("Policy", [])]
        c.expect("AliyunOSSFullAccess" in names, "AliyunOSSFullAccess")

    attach = ram_models.AttachPolicyToUserRequest(policy_type="Custom", policy_name=policy, user_name=user)
    with step.check(f"{tag} AttachPolicyToUser", request=attach.to_map()) as c:
        common_checks(c, ram.attach_policy_to_user(attach))

    with step.check(f"{tag} AttachPolicyToUser again: 409 EntityAlreadyExists.User.Policy", request=attach.to_map()) as c:
        expect_error(c, lambda: ram.attach_policy_to_user(attach), "EntityAlreadyExists.User.Policy", 409)

    req = ram_models.ListPoliciesForUserRequest(user_name=user)
    with step.check(f"{tag} ListPoliciesForUser", request=req.to_map()) as c:
        b = common_checks(c, ram.list_policies_for_user(req))
        items = b.get("Policies", {}).get("Policy", [])
        c.expect([(p["PolicyName"], p["PolicyType"]) for p in items] == [(policy, "Custom")], "the one policy")
        c.expect(all(p.get("AttachDate") and p.get("DefaultVersion") == "v1" for p in items), "AttachDate, v1")

    with step.check(f"{tag} DeletePolicy while attached: 409 DeleteConflict.Policy.User", request=policy) as c:
        expect_error(c, lambda: ram.delete_policy(ram_models.DeletePolicyRequest(policy_name=policy)),
                     "DeleteConflict.Policy.User", 409)

    # DeleteUser is refused while keys, then policies, remain.
    with step.check(f"{tag} DeleteUser with keys left: 409 DeleteConflict.User.AccessKey", request=user) as c:
        expect_error(c, lambda: ram.delete_user(ram_models.DeleteUserRequest(user_name=user)),
                     "DeleteConflict.User.AccessKey", 409)

    for key_id, _ in keys:
        req = ram_models.DeleteAccessKeyRequest(user_name=user, user_access_key_id=key_id)
        with step.check(f"{tag} DeleteAccessKey", request=req.to_map()) as c:
            common_checks(c, ram.delete_access_key(req))

    if keys:
        req = ram_models.DeleteAccessKeyRequest(user_name=user, user_access_key_id=keys[0][0])
        with step.check(f"{tag} DeleteAccessKey again: 404 EntityNotExist.User.AccessKey", request=req.to_map()) as c:
            expect_error(c, lambda: ram.delete_access_key(req), "EntityNotExist.User.AccessKey", 404)

    with step.check(f"{tag} DeleteUser with a policy left: 409 DeleteConflict.User.Policy", request=user) as c:
        expect_error(c, lambda: ram.delete_user(ram_models.DeleteUserRequest(user_name=user)),
                     "DeleteConflict.User.Policy", 409)

    detach = ram_models.DetachPolicyFromUserRequest(policy_type="Custom", policy_name=policy, user_name=user)
    with step.check(f"{tag} DetachPolicyFromUser", request=detach.to_map()) as c:
        common_checks(c, ram.detach_policy_from_user(detach))

    with step.check(f"{tag} DetachPolicyFromUser again: 404 EntityNotExist.User.Policy", request=detach.to_map()) as c:
        expect_error(c, lambda: ram.detach_policy_from_user(detach), "EntityNotExist.User.Policy", 404)

    req = ram_models.DeletePolicyRequest(policy_name=policy)
    with step.check(f"{tag} DeletePolicy", request=req.to_map()) as c:
        common_checks(c, ram.delete_policy(req))
        expect_error(c, lambda: ram.get_policy(ram_models.GetPolicyRequest(policy_name=policy, policy_type="Custom")),
                     "EntityNotExist.Policy", 404)

    req = ram_models.DeleteUserRequest(user_name=user)
    with step.check(f"{tag} DeleteUser", request=req.to_map()) as c:
        common_checks(c, ram.delete_user(req))
        expect_error(c, lambda: ram.get_user(ram_models.GetUserRequest(user_name=user)), "EntityNotExist.User", 404)


# Enough users for several pages in both runs.
seed = client("v3")
for i in range(3):
    req = ram_models.CreateUserRequest(user_name=f"conformance-extra-{i}")
    with step.check(f"seed user {i}", request=req.to_map()) as c:
        common_checks(c, seed.create_user(req))

lifecycle("v3")
lifecycle("v2")
step.finish()
