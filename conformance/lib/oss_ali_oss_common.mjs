// The ali-oss (npm 6.23.0) sequence shared by steps/oss_ali_oss.mjs (V4, `authorizationV4: true`) and
// steps/oss_ali_oss_v1.mjs (V1, ali-oss's default, on an old account: --oss-allow-v1).

import http from "node:http";
import crypto from "node:crypto";
import OSS from "ali-oss";
import { Step, env, loopbackAgent } from "./sandbox_step.mjs";

function send(url, agent, method = "GET", headers = {}, body = undefined) {
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

function ossError(err) {
  return { name: err.name, code: err.code, status: err.status, ec: err.ec, message: err.message, requestId: err.requestId };
}

export async function run(stepName, { v4 }) {
  const step = new Step(stepName);
  const region = env("SANDBOX_OSS_REGION");
  const port = env("SANDBOX_OSS_PORT");
  const agent = loopbackAgent();
  const name = `conf-alioss-${crypto.randomBytes(4).toString("hex")}`;
  const options = {
    region: `oss-${region}`,
    endpoint: `http://oss-${region}.aliyuncs.com:${port}`,
    accessKeyId: env("SANDBOX_ALIYUN_ACCESS_KEY_ID"),
    accessKeySecret: env("SANDBOX_ALIYUN_ACCESS_KEY_SECRET"),
    authorizationV4: v4,
    secure: false,
    agent,
    retryMax: 0,
  };
  const client = new OSS(options);
  const keys = ["img/a b.png", "img/ü+x.png", "img/sub/1.png", "img/sub/2.png", "top.txt"];

  await step.check("putBucket", { name }, async (c) => {
    const r = await client.putBucket(name);
    c.answer = r.res.status;
    c.expect(r.res.status === 200, "200");
  });

  await step.check("getBucketInfo", { name }, async (c) => {
    const r = await client.getBucketInfo(name);
    c.answer = r.bucket;
    c.expect(r.bucket.Name === name, "name");
  });

  await step.check("putBucketACL public-read under Block Public Access -> AccessDenied; getBucketACL private", {}, async (c) => {
    try {
      await client.putBucketACL(name, "public-read");
      c.expect(false, "refused");
    } catch (err) {
      c.answer = ossError(err);
      c.expect(err.status === 403 && err.code === "AccessDenied", "403 AccessDenied");
    }
    const acl = await client.getBucketACL(name);
    c.expect(acl.acl === "private", "private");
  });

  await step.check("putBucketCORS / getBucketCORS", {}, async (c) => {
    await client.putBucketCORS(name, [
      { allowedOrigin: "https://chat.example.com", allowedMethod: ["PUT", "GET", "HEAD"], allowedHeader: "content-type", maxAgeSeconds: "3600" },
    ]);
    const r = await client.getBucketCORS(name);
    c.answer = r.rules;
    c.expect(r.rules.length === 1 && r.rules[0].allowedOrigin === "https://chat.example.com", "one rule");
  });

  client.useBucket(name);

  await step.check("put objects with awkward keys", keys, async (c) => {
    for (const k of keys) {
      const r = await client.put(k, Buffer.from(`data:${k}`), { headers: { "Content-Type": "image/png" } });
      c.expect(r.res.status === 200, `PUT ${k}`);
    }
    c.answer = "stored";
  });

  await step.check("get round trip and Range bytes=0-3 -> 206", {}, async (c) => {
    const whole = await client.get(keys[1]);
    const part = await client.get(keys[4], { headers: { Range: "bytes=0-3" } });
    c.answer = { whole: whole.content.toString(), partStatus: part.res.status, part: part.content.toString() };
    c.expect(c.answer.whole === `data:${keys[1]}`, "bytes");
    c.expect(part.res.status === 206 && c.answer.part === "data", "206 with 4 bytes");
  });

  await step.check("head on a missing key: NoSuchKey (read from x-oss-err)", {}, async (c) => {
    try {
      await client.head("no/such.png");
      c.expect(false, "404");
    } catch (err) {
      c.answer = ossError(err);
      c.expect(err.status === 404 && err.code === "NoSuchKey", "404 NoSuchKey");
    }
  });

  await step.check("list (V1, marker) with delimiter and max-keys 1 pages to the end", {}, async (c) => {
    const seen = [];
    let marker;
    for (let i = 0; i < 20; i++) {
      // ali-oss V4 signs a key whose value is undefined but does not send it: leave it out.
      const r = await client.list({ prefix: "img/", delimiter: "/", "max-keys": 1, ...(marker ? { marker } : {}) });
      seen.push(...(r.objects ?? []).map((o) => o.name), ...(r.prefixes ?? []));
      if (!r.isTruncated) break;
      marker = r.nextMarker;
    }
    c.answer = seen;
    c.expect(JSON.stringify(seen.sort()) === JSON.stringify(["img/a b.png", "img/sub/", "img/ü+x.png"].sort()), "grouped");
  });

  await step.check("listV2 (continuation token) with max-keys 2 visits every key once", {}, async (c) => {
    const seen = [];
    let token;
    for (let i = 0; i < 20; i++) {
      const r = await client.listV2({ "max-keys": 2, ...(token ? { "continuation-token": token } : {}) });
      seen.push(...(r.objects ?? []).map((o) => o.name));
      c.expect(r.keyCount !== undefined, "KeyCount");
      if (!r.isTruncated) break;
      token = r.nextContinuationToken;
      c.expect(token, "NextContinuationToken on a truncated page");
    }
    c.answer = seen;
    c.expect(JSON.stringify(seen.sort()) === JSON.stringify([...keys].sort()), "every key once");
  });

  await step.check(v4 ? "signatureUrlV4 GET is readable" : "signatureUrl (V1) GET is readable", {}, async (c) => {
    const url = v4 ? await client.signatureUrlV4("GET", 300, undefined, keys[0]) : client.signatureUrl(keys[0], { expires: 300 });
    const r = await send(url, agent);
    c.answer = { url, ...r };
    c.expect(r.status === 200 && r.body === `data:${keys[0]}`, "200");
  });

  if (v4) {
    await step.check("signatureUrl (V1) on a new account: 403 AccessDenied, EC 0002-00000080", {}, async (c) => {
      const r = await send(client.signatureUrl(keys[0], { expires: 300 }), agent);
      c.answer = r;
      c.expect(r.status === 403 && r.body.includes("0002-00000080"), "V1 refused");
    });
  }

  await step.check("putACL public-read refused under BPA; getACL default; bytes untouched", {}, async (c) => {
    try {
      await client.putACL(keys[4], "public-read");
      c.expect(false, "refused");
    } catch (err) {
      c.answer = ossError(err);
      c.expect(err.status === 403, "403");
    }
    const acl = await client.getACL(keys[4]);
    c.expect(acl.acl === "default", "default");
    c.expect((await client.get(keys[4])).content.toString() === "data:top.txt", "bytes");
  });

  await step.check("an unsupported sub-resource (putBucketTags) is refused, nothing changes", {}, async (c) => {
    try {
      await client.putBucketTags(name, { a: "b" });
      c.expect(false, "refused");
    } catch (err) {
      c.answer = ossError(err);
      c.expect(err.status === 405, "405 MethodNotAllowed");
    }
    c.expect((await client.getBucketInfo(name)).bucket.Name === name, "bucket intact");
  });

  await step.check("deleteMulti (verbose) reports every key", {}, async (c) => {
    const r = await client.deleteMulti([...keys, "never/existed"], { quiet: false });
    c.answer = r.deleted;
    c.expect(r.deleted.length === keys.length + 1, "all reported");
  });

  await step.check("deleteBucketCORS, deleteBucket, then NoSuchBucket", {}, async (c) => {
    await client.deleteBucketCORS(name);
    await client.deleteBucket(name);
    try {
      await client.getBucketInfo(name);
      c.expect(false, "gone");
    } catch (err) {
      c.answer = ossError(err);
      c.expect(err.code === "NoSuchBucket", "NoSuchBucket");
    }
  });

  step.finish();
}
