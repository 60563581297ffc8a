"""Smoke step: every variable of the contract is present and each simulator answers on its endpoint, in its own
error format, to an unauthenticated request (the runner itself is tested by this step)."""

import json
import os
import urllib.error
import urllib.request

from sandbox_step import Step, env, resolve_aliyuncs_to_loopback

VARIABLES = [
    "SANDBOX_OSS_ENDPOINT",
    "SANDBOX_OSS_PORT",
    "SANDBOX_OSS_REGION",
    "SANDBOX_ALIYUN_ACCOUNT_ID",
    "SANDBOX_ALIYUN_ACCESS_KEY_ID",
    "SANDBOX_ALIYUN_ACCESS_KEY_SECRET",
    "SANDBOX_RAM_ENDPOINT",
    "SANDBOX_AUTH0_BASE_URL",
    "SANDBOX_AUTH0_CLIENT_ID",
    "SANDBOX_AUTH0_CLIENT_SECRET",
    "SANDBOX_VERCEL_BASE_URL",
    "SANDBOX_VERCEL_TOKEN",
    "SANDBOX_VERCEL_TEAM_ID",
]


def get(url: str, headers: dict | None = None, data: bytes | None = None):
    """(status, headers, body) of a request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


step = Step("sandbox_smoke")
resolve_aliyuncs_to_loopback()
values = {}

with step.check("every contract variable is set", request=VARIABLES) as c:
    values = {k: os.environ.get(k, "") for k in VARIABLES}
    c.answer = {k: ("<set>" if v else "<missing>") for k, v in values.items()}
    c.expect(all(values.values()), "all variables set")
    for key in ("SANDBOX_OSS_ENDPOINT", "SANDBOX_RAM_ENDPOINT", "SANDBOX_AUTH0_BASE_URL", "SANDBOX_VERCEL_BASE_URL"):
        c.expect(values[key].startswith("http://127.0.0.1:"), f"{key} is a loopback URL")
    c.expect(values["SANDBOX_OSS_ENDPOINT"].endswith(":" + values["SANDBOX_OSS_PORT"]), "OSS port matches")

region = env("SANDBOX_OSS_REGION")
port = env("SANDBOX_OSS_PORT")

url = f"http://oss-{region}.aliyuncs.com:{port}/"
with step.check("OSS: anonymous ListBuckets on the real host name is refused in OSS's XML", request=f"GET {url}") as c:
    status, headers, body = get(url)
    c.answer = {"status": status, "body": body.decode("utf-8", "replace")}
    c.expect(400 <= status < 500, "4xx")
    c.expect(b"<Error>" in body and b"<Code>" in body and b"<RequestId>" in body, "OSS error XML")
    c.expect(headers.get("x-oss-request-id"), "x-oss-request-id header")

url = env("SANDBOX_RAM_ENDPOINT") + "/?Action=ListUsers&Version=2015-05-01&Format=JSON"
with step.check("RAM: an unsigned call is refused in RAM's JSON error envelope", request=f"GET {url}") as c:
    status, headers, body = get(url)
    c.answer = {"status": status, "body": body.decode("utf-8", "replace")}
    doc = json.loads(body)
    c.expect(400 <= status < 500, "4xx")
    c.expect(doc.get("Code") and doc.get("Message") and doc.get("RequestId"), "Code, Message and RequestId")

url = env("SANDBOX_AUTH0_BASE_URL") + "/.well-known/openid-configuration"
with step.check("Auth0: OIDC discovery names this tenant as issuer", request=f"GET {url}") as c:
    status, headers, body = get(url)
    c.answer = {"status": status, "body": body.decode("utf-8", "replace")}
    c.expect(status == 200, "200")
    c.expect(json.loads(body).get("issuer") == env("SANDBOX_AUTH0_BASE_URL") + "/", "issuer is the base URL + /")

url = env("SANDBOX_AUTH0_BASE_URL") + "/oauth/token"
payload = {
    "grant_type": "client_credentials",
    "client_id": env("SANDBOX_AUTH0_CLIENT_ID"),
    "client_secret": env("SANDBOX_AUTH0_CLIENT_SECRET"),
    "audience": env("SANDBOX_AUTH0_BASE_URL") + "/api/v2/",
}
with step.check("Auth0: the M2M application gets a Management API token", request=f"POST {url}") as c:
    status, headers, body = get(url, {"content-type": "application/json"}, json.dumps(payload).encode())
    c.answer = {"status": status, "body": "<token elided>" if status == 200 else body.decode("utf-8", "replace")}
    c.expect(status == 200, "200")
    c.expect(json.loads(body).get("token_type") == "Bearer", "a Bearer token")

url = env("SANDBOX_VERCEL_BASE_URL") + "/v10/projects?teamId=" + env("SANDBOX_VERCEL_TEAM_ID")
with step.check("Vercel: no token is 403 forbidden, the printed token lists projects", request=f"GET {url}") as c:
    status, headers, body = get(url)
    c.answer = {"status": status, "body": body.decode("utf-8", "replace")}
    c.expect(status in (401, 403) and "error" in json.loads(body), "refused with Vercel's error object")
    status, headers, body = get(url, {"authorization": "Bearer " + env("SANDBOX_VERCEL_TOKEN")})
    c.answer = {"status": status, "body": body.decode("utf-8", "replace")}
    c.expect(status == 200 and "projects" in json.loads(body), "200 with projects")

step.finish()
