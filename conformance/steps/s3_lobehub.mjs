// LobeHub's own S3 path against the OSS simulator, with the AWS SDK v3 (@aws-sdk/client-s3 +
// @aws-sdk/s3-request-presigner 3.932.0) configured exactly as LobeHub's S3 module does
// (field-truth §1.5: endpoint S3_ENDPOINT = https://s3.oss-<region>.aliyuncs.com, region S3_REGION,
// virtual-hosted, checksums only when required): presigned PUT for 3600 s with only `host` signed, the
// browser's PUT with a Content-Type, presigned GET (S3_SET_ACL=0), DeleteObjects; plus the refusals real OSS
// gives (forged, expired, wrong region, path style, public ACL under Block Public Access).

import http from "node:http";
import crypto from "node:crypto";
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteBucketCommand,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Step, env, loopbackAgent } from "../lib/sandbox_step.mjs";

const step = new Step("s3_lobehub");
const region = env("SANDBOX_OSS_REGION");
const port = env("SANDBOX_OSS_PORT");
const endpoint = `http://s3.oss-${region}.aliyuncs.com:${port}`;
const credentials = { accessKeyId: env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), secretAccessKey: env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET") };
const agent = loopbackAgent();

// LobeHub src/server/modules/S3/index.ts: the client options (path style only with S3_ENABLE_PATH_STYLE=1).
function lobehubClient(overrides = {}) {
  return new S3Client({
    credentials,
    endpoint,
    forcePathStyle: false,
    region,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    maxAttempts: 1,
    ...overrides,
  });
}

/** A plain HTTP request (the browser's upload, a preview image load), resolving *.aliyuncs.com to loopback. */
function send(method, url, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function sdkError(err) {
  return { name: err.name, message: err.message, status: err.$metadata && err.$metadata.httpStatusCode, code: err.Code };
}

const s3 = lobehubClient();
const Bucket = `conf-s3-${crypto.randomBytes(4).toString("hex")}`;
const key = "files/user_1/2026/photo 1+café.png";

await step.check("CreateBucket on the S3 endpoint (virtual-hosted)", { Bucket, endpoint }, async (c) => {
  const r = await s3.send(new CreateBucketCommand({ Bucket }));
  c.answer = r.$metadata;
  c.expect(r.$metadata.httpStatusCode === 200, "200");
});

let putUrl;
await step.check("presign PutObject for 3600 s (LobeHub createPreSignedUrl, S3_SET_ACL=0)", { Bucket, key }, async (c) => {
  putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: key }), { expiresIn: 3600 });
  const u = new URL(putUrl);
  c.answer = putUrl;
  c.expect(u.hostname === `${Bucket}.s3.oss-${region}.aliyuncs.com`, "virtual-hosted on the S3 endpoint");
  c.expect(u.searchParams.get("X-Amz-Expires") === "3600", "X-Amz-Expires=3600");
  c.expect(u.searchParams.get("X-Amz-SignedHeaders") === "host", "only host signed");
  c.expect(u.searchParams.get("X-Amz-Credential").includes(`/${region}/s3/aws4_request`), "region scope");
});

await step.check("the browser PUTs the file with its Content-Type (unsigned)", { url: putUrl }, async (c) => {
  const r = await send("PUT", putUrl, { "content-type": "image/png", origin: "https://chat.example.com" }, Buffer.from("PNG-BYTES"));
  c.answer = r;
  c.expect(r.status === 200, "200");
});

await step.check("HeadObject (server side) sees the Content-Type", { Bucket, key }, async (c) => {
  const r = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
  c.answer = { ContentType: r.ContentType, ContentLength: r.ContentLength, ETag: r.ETag };
  c.expect(r.ContentType === "image/png" && r.ContentLength === 9, "image/png, 9 bytes");
});

await step.check("presigned GET for preview (S3_PREVIEW_URL_EXPIRE_IN 7200) returns the bytes", { Bucket, key }, async (c) => {
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: 7200 });
  const r = await send("GET", url);
  c.answer = { url, ...r };
  c.expect(r.status === 200 && r.body === "PNG-BYTES", "200 with the bytes");
  c.expect(r.headers["content-type"] === "image/png", "content type");
});

await step.check("the same object without a signature is refused (private bucket)", { Bucket, key }, async (c) => {
  const url = new URL(putUrl);
  url.search = "";
  const r = await send("GET", url.toString());
  c.answer = r;
  c.expect(r.status === 403 && r.body.includes("AccessDenied"), "403 AccessDenied");
});

await step.check("a forged presigned GET (signature altered) is refused, not served anonymously", {}, async (c) => {
  const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: 60 }));
  const sig = url.searchParams.get("X-Amz-Signature");
  url.searchParams.set("X-Amz-Signature", (sig[0] === "a" ? "b" : "a") + sig.slice(1));
  const r = await send("GET", url.toString());
  c.answer = r;
  c.expect(r.status === 403 && r.body.includes("SignatureDoesNotMatch"), "403 SignatureDoesNotMatch");
});

await step.check("an expired presigned GET: 403 AccessDenied, Request has expired", {}, async (c) => {
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
  const r = await send("GET", url);
  c.answer = r;
  c.expect(r.status === 403 && r.body.includes("AccessDenied") && r.body.includes("Request has expired"), "expired");
});

await step.check("S3_REGION unset (LobeHub falls back to us-east-1): refused for the wrong region", {}, async (c) => {
  const url = await getSignedUrl(lobehubClient({ region: "us-east-1" }), new GetObjectCommand({ Bucket, Key: key }), { expiresIn: 60 });
  const r = await send("GET", url);
  c.answer = r;
  c.expect(r.status === 400 && r.body.includes("AuthorizationQueryParametersError"), "400 AuthorizationQueryParametersError");
  c.expect(r.body.includes(`expecting '${region}'`), "names the expected region");
});

await step.check("S3_ENABLE_PATH_STYLE=1: path style is refused (SecondLevelDomainForbidden)", {}, async (c) => {
  try {
    const r = await lobehubClient({ forcePathStyle: true }).send(new HeadObjectCommand({ Bucket, Key: key }));
    c.answer = r.$metadata;
    c.expect(false, "refused");
  } catch (err) {
    c.answer = sdkError(err);
    c.expect(c.answer.status === 403, "403");
  }
});

await step.check("S3_SET_ACL=1 (ACL public-read in the presigned PUT) is refused while Block Public Access is on", {}, async (c) => {
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "public/x.png", ACL: "public-read" }), { expiresIn: 3600 });
  c.answer = { url };
  c.expect(new URL(url).searchParams.get("x-amz-acl") === "public-read", "x-amz-acl in the query");
  const r = await send("PUT", url, { "content-type": "image/png" }, Buffer.from("x"));
  c.answer = { url, ...r };
  c.expect(r.status === 403 && r.body.includes("Put public object acl is not allowed"), "403");
});

await step.check("server-side PutObject / GetObject (header SigV4, payload hashed)", {}, async (c) => {
  for (const k of ["a/1.txt", "a/2.txt", "b/3.txt"]) {
    await s3.send(new PutObjectCommand({ Bucket, Key: k, Body: `body ${k}`, ContentType: "text/plain" }));
  }
  const r = await s3.send(new GetObjectCommand({ Bucket, Key: "a/2.txt", Range: "bytes=0-3" }));
  c.answer = { status: r.$metadata.httpStatusCode, body: await r.Body.transformToString(), range: r.ContentRange };
  c.expect(c.answer.status === 206 && c.answer.body === "body", "206 with 4 bytes");
});

await step.check("paginateListObjectsV2 with MaxKeys 1 visits every key once", {}, async (c) => {
  const seen = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket })) {
    for (const o of page.Contents ?? []) seen.push(o.Key);
    c.expect(seen.length < 50, "the paginator ends");
  }
  c.answer = seen;
  c.expect(JSON.stringify([...seen].sort()) === JSON.stringify(["a/1.txt", "a/2.txt", "b/3.txt", key].sort()), "every key");
});

await step.check("paginateListObjectsV2 with Delimiter '/' groups into CommonPrefixes", {}, async (c) => {
  const prefixes = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket, Delimiter: "/" })) {
    for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix);
    c.expect(prefixes.length < 50, "the paginator ends");
  }
  c.answer = prefixes;
  c.expect(JSON.stringify(prefixes.sort()) === JSON.stringify(["a/", "b/", "files/"]), "a/, b/, files/");
});

const deleteKeys = ["a/1.txt", "a/2.txt"];
await step.check("DeleteObjects exactly as LobeHub's deleteFiles sends it", { deleteKeys }, async (c) => {
  // SDK 3.932 with requestChecksumCalculation WHEN_REQUIRED sends x-amz-checksum-crc32 and no Content-MD5 for
  // DeleteObjects; OSS documents Content-MD5 as required for DeleteMultipleObjects and answers MissingArgument
  // without it (sandbox/README.md, OSS section). This check records that answer.
  const seen = {};
  const client = lobehubClient();
  client.middlewareStack.add((next) => async (args) => {
    Object.assign(seen, args.request.headers);
    return next(args);
  }, { step: "finalizeRequest", name: "recordHeaders", priority: "low" });
  try {
    const r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: deleteKeys.map((Key) => ({ Key })) } }));
    console.log(`  note: DeleteObjects sent ${Object.keys(seen).filter((h) => /md5|checksum/.test(h)).join(", ")}: accepted`);
    c.answer = { headers: seen, result: r.Deleted };
    c.expect("content-md5" in seen, "succeeds only when the SDK sent Content-MD5");
  } catch (err) {
    c.answer = { headers: seen, error: sdkError(err) };
    console.log(`  note: DeleteObjects sent ${Object.keys(seen).filter((h) => /md5|checksum/.test(h)).join(", ")}: ${err.name}`);
    c.expect(!("content-md5" in seen), "refused only without Content-MD5");
    c.expect(err.name === "MissingArgument" || String(err.message).includes("Missing"), "MissingArgument");
  }
});

await step.check("DeleteObjects with Content-MD5 added (the AWS-documented MD5 middleware) deletes", { deleteKeys }, async (c) => {
  const client = lobehubClient();
  client.middlewareStack.add((next) => async (args) => {
    const body = args.request.body;
    if (args.request.query && "delete" in args.request.query && typeof body === "string") {
      args.request.headers["content-md5"] = crypto.createHash("md5").update(body).digest("base64");
    }
    return next(args);
  }, { step: "build", name: "addContentMd5" });
  const r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: deleteKeys.map((Key) => ({ Key })) } }));
  c.answer = { Deleted: r.Deleted, Errors: r.Errors };
  c.expect((r.Deleted ?? []).length === 2 && !(r.Errors ?? []).length, "two deleted");
});

await step.check("DeleteObject, then empty the bucket and DeleteBucket", {}, async (c) => {
  for (const k of ["b/3.txt", key]) await s3.send(new DeleteObjectCommand({ Bucket, Key: k }));
  const r = await s3.send(new DeleteBucketCommand({ Bucket }));
  c.answer = r.$metadata;
  c.expect(r.$metadata.httpStatusCode === 204, "204");
});

step.finish();
