// sandbox-flags: --aliyun-new-account
// A new Aliyun account (OSS activated after 2025-03-20) with a mainland bucket: LobeHub's presigned PUT on the
// default S3 endpoint gets 400 PublicEndpointForbidden, EC 0048-00000401 (field-truth §2.2), while bucket
// management still works. AWS SDK v3 3.932.0 with LobeHub's options.

import http from "node:http";
import crypto from "node:crypto";
import { S3Client, CreateBucketCommand, PutObjectCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Step, env, loopbackAgent } from "../lib/sandbox_step.mjs";

const step = new Step("s3_lobehub_new_account");
const region = env("SANDBOX_OSS_REGION");
const agent = loopbackAgent();
const s3 = new S3Client({
  credentials: { accessKeyId: env("SANDBOX_ALIYUN_ACCESS_KEY_ID"), secretAccessKey: env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET") },
  endpoint: `http://s3.oss-${region}.aliyuncs.com:${env("SANDBOX_OSS_PORT")}`,
  forcePathStyle: false,
  region,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
  requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  maxAttempts: 1,
});
const Bucket = `conf-new-${crypto.randomBytes(4).toString("hex")}`;

function send(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

await step.check("CreateBucket (bucket management) still works", { Bucket }, async (c) => {
  const r = await s3.send(new CreateBucketCommand({ Bucket }));
  c.answer = r.$metadata;
  c.expect(r.$metadata.httpStatusCode === 200, "200");
});

await step.check(`the presigned PUT (a data call) on the default endpoint of ${region}`, { Bucket }, async (c) => {
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "files/x.png" }), { expiresIn: 3600 });
  const r = await send("PUT", url, { "content-type": "image/png" }, Buffer.from("x"));
  c.answer = { url, ...r };
  const mainland = region.startsWith("cn-") && region !== "cn-hongkong";
  if (mainland) {
    c.expect(r.status === 400 && r.body.includes("PublicEndpointForbidden"), "400 PublicEndpointForbidden");
    c.expect(r.body.includes("0048-00000401") && r.headers["x-oss-ec"] === "0048-00000401", "EC 0048-00000401");
  } else {
    c.expect(r.status === 200, "outside the mainland the upload works");
  }
});

await step.check("DeleteBucket", { Bucket }, async (c) => {
  const r = await s3.send(new DeleteBucketCommand({ Bucket }));
  c.answer = r.$metadata;
  c.expect(r.$metadata.httpStatusCode === 204, "204");
});

step.finish();
