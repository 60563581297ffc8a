// sandbox-flags: --vercel-taken-name lobehub
//
// The Vercel simulator against the official `@vercel/sdk` 1.28.35: every operation the workspace uses
// (field-truth §4.1) is called through the SDK, so its zod response schemas validate each answer; the step also
// checks the behaviour the workspace relies on (status codes, pagination shape, ENV_CONFLICT, the automatic
// production domain of a project whose `*.vercel.app` name is taken, deployments carrying `meta`).
// Environment: SANDBOX_VERCEL_BASE_URL, SANDBOX_VERCEL_TOKEN, SANDBOX_VERCEL_TEAM_ID (conformance contract).
import { Vercel } from "@vercel/sdk";

const serverURL = process.env.SANDBOX_VERCEL_BASE_URL;
const bearerToken = process.env.SANDBOX_VERCEL_TOKEN;
const teamId = process.env.SANDBOX_VERCEL_TEAM_ID;
if (!serverURL || !bearerToken || !teamId) {
  console.error("SANDBOX_VERCEL_BASE_URL, SANDBOX_VERCEL_TOKEN and SANDBOX_VERCEL_TEAM_ID must be set");
  process.exit(2);
}
// No retries: a simulator answer that fails must show as it is.
const vercel = new Vercel({ bearerToken, serverURL, retryConfig: { strategy: "none" } });

let failures = 0;
let passed = 0;

function describe(e) {
  const parts = [`${e?.name ?? "Error"}: ${e?.message ?? e}`];
  if (e?.rawValue !== undefined) parts.push(`simulator answer: ${JSON.stringify(e.rawValue).slice(0, 2000)}`);
  if (e?.statusCode !== undefined) parts.push(`HTTP ${e.statusCode}`);
  if (e?.body) parts.push(`body: ${String(e.body).slice(0, 2000)}`);
  if (e?.cause?.issues) parts.push(`issues: ${JSON.stringify(e.cause.issues).slice(0, 2000)}`);
  return parts.join("\n    ");
}

/** Runs `fn` (an SDK call plus checks); on failure prints the request named by `what` and the answer. */
async function check(what, fn) {
  try {
    const out = await fn();
    passed += 1;
    console.log(`ok   ${what}`);
    return out;
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${what}\n    ${describe(e)}`);
    return undefined;
  }
}

/** Expects the SDK call to fail with HTTP `status`. */
async function checkStatus(what, status, fn) {
  return check(what, async () => {
    try {
      await fn();
    } catch (e) {
      if (e?.statusCode === status) return;
      throw e;
    }
    throw new Error(`expected HTTP ${status}, got a success`);
  });
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- Projects -----------------------------------------------------------------------------------------------
const created = await check("createProject POST /v11/projects", async () => {
  const p = await vercel.projects.createProject({
    teamId,
    requestBody: {
      name: "lobehub",
      framework: "nextjs",
      gitRepository: { type: "github", repo: "alice/lobehub" },
      environmentVariables: [{ key: "S3_BUCKET", value: "alice-files", type: "encrypted", target: ["production", "preview"] }],
    },
  });
  assert(p.id && p.name === "lobehub", `unexpected project ${JSON.stringify(p)}`);
  assert(typeof p.link?.repoId === "number", "a GitHub link carries a numeric repoId");
  return p;
});
if (!created) {
  console.log(`${passed} passed, ${failures} failed`);
  process.exit(1);
}
const projectId = created.id;
const repoId = created.link.repoId;

await checkStatus("createProject with a taken name → 409", 409, () =>
  vercel.projects.createProject({ teamId, requestBody: { name: "lobehub" } }),
);
await check("getProject GET /v9/projects/{idOrName}", async () => {
  const p = await vercel.projects.getProject({ teamId, idOrName: "lobehub" });
  assert(p.id === projectId, "same project by name");
});
await check("getProjects GET /v10/projects", async () => {
  const page = await vercel.projects.getProjects({ teamId, search: "lobe", limit: "100" });
  assert(page.projects.some((p) => p.id === projectId), "the project is listed");
  assert(page.pagination && "next" in page.pagination, "pagination {count, next, prev}");
});
await check("updateProject PATCH /v9/projects/{idOrName}", async () => {
  const p = await vercel.projects.updateProject({ teamId, idOrName: projectId, requestBody: { buildCommand: "bun run build:vercel" } });
  assert(p.buildCommand === "bun run build:vercel", "the build command is set");
});

// --- The automatic production domain of a project whose *.vercel.app name is taken ------------------------
await check("getProjectDomains GET /v9/projects/{idOrName}/domains (lobehub.vercel.app is taken)", async () => {
  const r = await vercel.projects.getProjectDomains({ teamId, idOrName: projectId });
  const names = r.domains.map((d) => d.name);
  assert(!names.includes("lobehub.vercel.app"), `the taken name is not the project's: ${names}`);
  assert(names.some((n) => /^lobehub-[a-z0-9]+\.vercel\.app$/.test(n)), `a suffixed production domain: ${names}`);
});
await checkStatus("addProjectDomain of a taken *.vercel.app name → 409", 409, () =>
  vercel.projects.addProjectDomain({ teamId, idOrName: projectId, requestBody: { name: "lobehub.vercel.app" } }),
);

// --- Environment variables ----------------------------------------------------------------------------------
let appUrlId;
await check("createProjectEnv POST /v10/projects/{idOrName}/env (one object) → created", async () => {
  const r = await vercel.projects.createProjectEnv({
    teamId,
    idOrName: projectId,
    requestBody: { key: "APP_URL", value: "https://chat.example.com", type: "encrypted", target: ["production", "preview"] },
  });
  appUrlId = Array.isArray(r.created) ? r.created[0]?.id : r.created?.id;
  assert(appUrlId, `created names the variable: ${JSON.stringify(r)}`);
});
await check("createProjectEnv (array, upsert=true) → 201 with failed[] for a conflict", async () => {
  const r = await vercel.projects.createProjectEnv({
    teamId,
    idOrName: projectId,
    upsert: "true",
    requestBody: [
      { key: "AUTH_SECRET", value: "s3cr3t-value", type: "sensitive", target: ["production", "preview"] },
      { key: "KEY_VAULTS_SECRET", value: "kv-secret", type: "sensitive", target: ["production", "preview"] },
      // The simulator's default build rules are LobeHub's: its build runs migrations against DATABASE_URL.
      { key: "DATABASE_URL", value: "postgres://u:p@db.example.com/lobe", type: "sensitive", target: ["production", "preview"] },
    ],
  });
  assert(Array.isArray(r.failed) && r.failed.length === 0, `nothing failed: ${JSON.stringify(r.failed)}`);
});
await checkStatus("createProjectEnv of an existing key and target (no upsert) → 400 ENV_CONFLICT", 400, () =>
  vercel.projects.createProjectEnv({
    teamId,
    idOrName: projectId,
    requestBody: { key: "APP_URL", value: "https://other.example.com", type: "encrypted", target: ["production"] },
  }),
);
let envIds = [];
await check("filterProjectEnvs GET /v10/projects/{idOrName}/env?decrypt=true", async () => {
  const r = await vercel.projects.filterProjectEnvs({ teamId, idOrName: projectId, decrypt: "true" });
  const envs = r.envs ?? [];
  envIds = envs.map((e) => e.id);
  const app = envs.find((e) => e.key === "APP_URL");
  assert(app?.value === "https://chat.example.com", "encrypted values decrypted");
  const secret = envs.find((e) => e.key === "AUTH_SECRET");
  assert(secret && !secret.value, "sensitive values never come back");
});
await check("getProjectEnv GET /v1/projects/{idOrName}/env/{id}", async () => {
  const v = await vercel.projects.getProjectEnv({ teamId, idOrName: projectId, id: appUrlId });
  assert(v.value === "https://chat.example.com", "decrypted value");
});
await check("editProjectEnv PATCH /v9/projects/{idOrName}/env/{id}", async () => {
  const v = await vercel.projects.editProjectEnv({
    teamId,
    idOrName: projectId,
    id: appUrlId,
    requestBody: { value: "https://chat2.example.com", target: ["production", "preview"] },
  });
  assert(v.key === "APP_URL", "the edited variable");
});
const extra = await check("createProjectEnv of two throw-away variables", async () => {
  const r = await vercel.projects.createProjectEnv({
    teamId,
    idOrName: projectId,
    requestBody: [
      { key: "TMP_A", value: "a", type: "plain", target: ["development"] },
      { key: "TMP_B", value: "b", type: "plain", target: ["development"] },
    ],
  });
  return r.created.map((e) => e.id);
});
await check("removeProjectEnv DELETE /v9/projects/{idOrName}/env/{id}", async () => {
  await vercel.projects.removeProjectEnv({ teamId, idOrName: projectId, id: extra[0] });
});
await check("batchRemoveProjectEnv DELETE /v1/projects/{idOrName}/env", async () => {
  const r = await vercel.projects.batchRemoveProjectEnv({ teamId, idOrName: projectId, requestBody: { ids: [extra[1]] } });
  assert(r.deleted === 1, `one deleted: ${JSON.stringify(r)}`);
});

// --- Domains ------------------------------------------------------------------------------------------------
await check("addProjectDomain POST /v10/projects/{idOrName}/domains", async () => {
  const d = await vercel.projects.addProjectDomain({ teamId, idOrName: projectId, requestBody: { name: "chat.example.com" } });
  assert(d.name === "chat.example.com" && d.apexName === "example.com", "name and apex");
});
await checkStatus("addProjectDomain of a domain already on the project → 400", 400, () =>
  vercel.projects.addProjectDomain({ teamId, idOrName: projectId, requestBody: { name: "chat.example.com" } }),
);
await check("getProjectDomain GET /v9/projects/{idOrName}/domains/{domain}", async () => {
  const d = await vercel.projects.getProjectDomain({ teamId, idOrName: projectId, domain: "chat.example.com" });
  assert(d.verified === true, "verified");
});
await check("verifyProjectDomain POST /v9/projects/{idOrName}/domains/{domain}/verify", async () => {
  const d = await vercel.projects.verifyProjectDomain({ teamId, idOrName: projectId, domain: "chat.example.com" });
  assert(d.verified === true, "verified");
});
await check("getDomainConfig GET /v6/domains/{domain}/config", async () => {
  const c = await vercel.domains.getDomainConfig({ teamId, domain: "chat.example.com", projectIdOrName: projectId });
  assert(typeof c.misconfigured === "boolean", "misconfigured");
  assert(c.recommendedCNAME?.some((r) => r.rank === 1), "a rank-1 CNAME");
});

// --- Deployments --------------------------------------------------------------------------------------------
const deployment = await check("createDeployment POST /v13/deployments (production, gitSource by repoId, meta)", async () => {
  const d = await vercel.deployments.createDeployment({
    teamId,
    skipAutoDetectionConfirmation: "1",
    requestBody: {
      name: "lobehub",
      project: projectId,
      target: "production",
      gitSource: { type: "github", repoId, ref: "main" },
      meta: { envFingerprint: "0123abcd" },
    },
  });
  assert(d.id && d.readyState, "id and readyState");
  assert(d.meta?.envFingerprint === "0123abcd", `meta kept: ${JSON.stringify(d.meta)}`);
  return d;
});
if (deployment) {
  await check("getDeployment GET /v13/deployments/{idOrUrl} until READY", async () => {
    for (let i = 0; i < 100; i++) {
      const d = await vercel.deployments.getDeployment({ teamId, idOrUrl: deployment.id });
      if (d.readyState === "READY") {
        assert(d.aliasAssigned === true, "alias assigned");
        assert(d.alias.some((a) => /^lobehub-[a-z0-9]+\.vercel\.app$/.test(a)), `aliased to the project's own domain: ${d.alias}`);
        assert(!d.alias.includes("lobehub.vercel.app"), "never to the taken name");
        return;
      }
      assert(["QUEUED", "INITIALIZING", "BUILDING"].includes(d.readyState), `state ${d.readyState}`);
      await sleep(50);
    }
    throw new Error("not READY after 100 polls");
  });
}
await check("getDeployments GET /v7/deployments?projectId&target=production", async () => {
  const r = await vercel.deployments.getDeployments({ teamId, projectId, target: "production", limit: 20 });
  assert(r.deployments.length >= 1, "listed");
  assert(r.deployments[0].meta?.envFingerprint === "0123abcd", "meta in list items");
});
await check("cancelDeployment PATCH /v12/deployments/{id}/cancel", async () => {
  const d = await vercel.deployments.createDeployment({
    teamId,
    requestBody: { name: "lobehub", project: projectId, target: "production", gitSource: { type: "github", repoId, ref: "main" } },
  });
  const c = await vercel.deployments.cancelDeployment({ teamId, id: d.id });
  assert(c.readyState === "CANCELED", `canceled: ${c.readyState}`);
});

// --- Clean-up -----------------------------------------------------------------------------------------------
await check("removeProjectDomain DELETE /v9/projects/{idOrName}/domains/{domain}", async () => {
  await vercel.projects.removeProjectDomain({ teamId, idOrName: projectId, domain: "chat.example.com" });
});
await check("deleteProject DELETE /v9/projects/{idOrName} → 204", async () => {
  await vercel.projects.deleteProject({ teamId, idOrName: projectId });
});
await checkStatus("getProject of the deleted project → 404", 404, () => vercel.projects.getProject({ teamId, idOrName: projectId }));

console.log(`${passed} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
